// Single-GPU mode (docs/single-gpu.md): the VM takes the card that drives the
// host's display. `vfg start` asks systemd for vfg-single-gpu@USER:VM.service
// (polkit lets a user start their own), because the graphical session that
// ran `vfg start` is about to end. The service, as root: stops the display
// manager, takes the framebuffer console and firmware framebuffers off the
// card, runs `vfg start VM --foreground` as the user (which hands the card
// over through the handover service and runs QEMU), and watches. When the VM
// ends — or QEMU does not take the card in time, or the host key chord is
// held, or the service is stopped — it gives everything back in reverse
// order and verifies each step. What happened is one line in
// /var/lib/vfg-single-gpu/USER:VM.last, which `vfg check` shows.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace vfg {

/// The user and VM a service instance runs.
struct SingleGpuRun {
  std::string user;
  std::string vm;

  /// "USER:VM", the unit's instance and the name of its records.
  [[nodiscard]] std::string instance() const { return user + ":" + vm; }
  /// "vfg-single-gpu@USER:VM.service".
  [[nodiscard]] std::string unit() const;
};

/// Parses "USER:VM": a valid account name and a valid VM name, nothing else.
Result<SingleGpuRun> parse_single_gpu_run(std::string_view instance);

/// Asks systemd to start the run (returns once the job is queued).
Status request_single_gpu_start(const SingleGpuRun& run);
/// Asks systemd to stop it: the VM is ended and the desktop comes back.
Status request_single_gpu_stop(const SingleGpuRun& run);

/// The service's main: takes the display, runs the VM, watches, gives
/// everything back. `vfg_binary` is this vfg, run as the user for the VM.
/// Returns the exit code (0: the desktop came back as it was).
int serve_single_gpu_run(const SingleGpuRun& run, const std::string& vfg_binary);

/// The service's ExecStopPost: gives back what a run that ended without
/// doing so (its main process killed) still holds. 0 when nothing is left.
int restore_single_gpu_run(const SingleGpuRun& run);

}  // namespace vfg
