// Resolving a LaunchPlan from the host: the accelerator, the QEMU binary's
// capabilities, firmware, the functions of each GPU and the sound server.
#pragma once

#include <string>

#include "host/host_reading.h"
#include "util/result.h"
#include "util/xdg.h"
#include "vm/launch_plan.h"

namespace vfg {

/// Everything the command line depends on, read from the host. Writes nothing.
Result<LaunchPlan> plan_launch(const VmConfig& config, const HostRoot& root, const XdgDirs& dirs,
                               const std::string& qemu_binary = "qemu-system-x86_64");

/// The same with the QEMU binary already probed (`vfg start` keeps the probe
/// across runs: it costs more than the rest of a start) and the host read
/// through `host`, which `vfg start` shares with its readiness checks.
Result<LaunchPlan> plan_launch(const VmConfig& config, const HostReading& host, const XdgDirs& dirs,
                               const QemuCapabilities& qemu, const std::string& qemu_binary);

/// Creates what the VM keeps between runs before QEMU starts: its data
/// directory and, on the first start, its copy of the firmware variables.
Status prepare_vm_files(const LaunchPlan& plan);

}  // namespace vfg
