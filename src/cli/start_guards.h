// What `vfg start` refuses before it touches anything: a QEMU it did not start
// (the `vfg args` script run by hand) on the VM's disks or runtime files, whose
// sockets a start would clear, and an emulated display with no graphical
// session for its window.
#pragma once

#include <optional>
#include <string>

#include "host/host_root.h"
#include "util/result.h"
#include "vm/vm_config.h"
#include "vm/vm_paths.h"

namespace vfg::cli {

/// Fails when another process uses the VM's writable disks, firmware
/// variables or runtime files (sockets, pid file), naming it.
Status refuse_foreign_qemu(const HostRoot& root, const VmConfig& config, const VmPaths& paths);

/// Fails for display.type = "std" when neither $DISPLAY nor $WAYLAND_DISPLAY
/// is set (QEMU's window would die with "gtk initialization failed").
Status refuse_window_without_session(const VmConfig& config, std::optional<std::string> display,
                                     std::optional<std::string> wayland_display);

}  // namespace vfg::cli
