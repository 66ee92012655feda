// Starting a VM: in the background under a forked supervisor (`vfg start`),
// or with the supervisor in this process (`vfg start --foreground`).
// See supervisor.h for who owns the VM and why.
#pragma once

#include <functional>
#include <string>

#include "run/launch_request.h"
#include "util/result.h"

namespace vfg {

/// Forks a supervisor that starts QEMU and stays with it; returns once QMP
/// reports the VM running, or with the reason it could not start (QEMU's last
/// log lines and command line included), leaving nothing behind.
Result<LaunchInfo> start_detached(LaunchRequest request);

/// Callbacks for a VM run in the foreground.
struct ForegroundHooks {
  /// Once the VM runs.
  std::function<void(const LaunchInfo&)> on_running;
  /// Each step of a shutdown (after Ctrl-C/SIGTERM).
  std::function<void(const std::string&)> on_progress;
};

/// Runs the VM with this process as its supervisor until QEMU exits; Ctrl-C,
/// SIGTERM and SIGHUP shut the guest down gracefully.
Result<VmExit> run_foreground(LaunchRequest request, const ForegroundHooks& hooks);

}  // namespace vfg
