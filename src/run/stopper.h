// Stopping a VM from outside its supervisor (`vfg stop`): a sleeping guest is
// woken first, then asked to power off (by its guest agent when one answers,
// else the ACPI power button, pressed again at an interval since a press the
// guest is not yet listening for is lost), a grace period, then `quit`, then
// SIGKILL as the very last resort.
// It returns only once QEMU is gone and the runtime directory is clean.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "util/result.h"
#include "vm/vm_paths.h"

namespace vfg {

struct StopRequest {
  VmPaths paths;
  /// Grace period for the guest; nullopt = what the VM was started with.
  std::optional<std::chrono::seconds> timeout;
  /// Skip the power-down: `quit` at once.
  bool force = false;
  /// How long after a press the power button is pressed again.
  std::chrono::seconds repress_interval{15};
  /// Told about each step as it begins ("waiting up to 60 s for the guest ...").
  std::function<void(const std::string&)> on_progress;
};

/// How a stop went.
struct StopOutcome {
  enum class How {
    kNotRunning,     ///< nothing to stop (stale state, if any, was cleared)
    kGuestShutdown,  ///< the guest powered off (asked by its agent or the power button)
    kQuit,           ///< QEMU quit on request (--force, or the guest did not power off in time)
    kKilled,         ///< QEMU ignored `quit` and was killed
  };
  How how = How::kNotRunning;
  pid_t qemu_pid = 0;
  /// Seconds from the request until QEMU was gone.
  double seconds = 0;
  /// The "reason" of QEMU's SHUTDOWN event, when one was seen.
  std::string shutdown_reason;
  /// True when the grace period ran out (not set with --force).
  bool timed_out = false;
  /// The guest was asleep (S3) and was woken first.
  bool woke = false;
  /// The guest agent took the shutdown request.
  bool by_agent = false;
  /// Times the ACPI power button was pressed.
  int presses = 0;
  /// Stale state of a crashed run was cleared.
  bool cleared_stale = false;
  /// What was undone for a run whose supervisor had died (host isolation).
  std::vector<std::string> notes;

  /// One line for humans: "the guest powered off (ACPI shutdown) in 1.8 s".
  [[nodiscard]] std::string describe() const;
  /// "not-running", "guest-shutdown", "quit", "killed".
  [[nodiscard]] std::string_view how_name() const;
};

/// Stops the VM `request.paths.name`.
Result<StopOutcome> stop_vm(const HostRoot& root, const StopRequest& request);

}  // namespace vfg
