// Running the checks: gather the facts once, judge them, and return a report.
// `vfg check` shows the whole report; `vfg start` runs the preflight, which is
// the VM's part of it, and refuses to launch when a finding fails.
#pragma once

#include <string>

#include "check/facts.h"
#include "check/finding.h"
#include "check/passthrough_checks.h"
#include "check/software_checks.h"
#include "check/vm_checks.h"
#include "host/host_reading.h"
#include "util/result.h"
#include "vm/vm_config.h"

namespace vfg::check {

/// Everything a full report is judged from; tests build it by hand.
struct CheckInput {
  HostFacts host;
  PciFacts pci;
  SoftwareFacts software;
  SetupExpectations setup;
  /// The VM to check, or nullptr for the host alone.
  const VmConfig* vm = nullptr;
  VmResourceFacts vm_resources;
};

/// Stats what a VM definition names (disks, inputs, Looking Glass) and sizes
/// its Looking Glass memory. Paths under /dev go through `root`.
VmResourceFacts gather_vm_resources(const HostRoot& root, const VmConfig& config);

/// Gathers every fact for the host and, when `vm` is given, for that VM.
Result<CheckInput> gather_check_input(const HostReading& host, const VmConfig* vm,
                                      const SetupExpectations& setup,
                                      const QemuProbe& qemu_probe = {});

/// Judges the facts: host findings, then the VM's (ids "vm.*").
Report judge(const CheckInput& input);

/// The VM's findings only: what `vfg start` runs before launching.
Report judge_preflight(const CheckInput& input);

/// Gathers and judges the VM's findings for `vfg start`. A failing finding in
/// the report means: do not launch.
Result<Report> preflight(const VmConfig& config, const HostReading& host,
                         const SetupExpectations& setup = {}, const QemuProbe& qemu_probe = {});

}  // namespace vfg::check
