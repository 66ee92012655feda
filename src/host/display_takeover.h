// Single-GPU mode, the host side: what the host's display uses besides the
// card's own driver — the framebuffer console and a firmware framebuffer
// (efifb, simpledrm, vesafb) — taken off the card before it leaves for the
// VM, and put back after. The record of what was taken is written before
// anything is touched, so whatever ends the run, the way back is known.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

namespace single_gpu_paths {
/// Records of runs in progress (tmpfs: a reboot brings the desktop back by itself).
inline constexpr std::string_view kStateDir = "/run/vfg-single-gpu";
/// How the last run of each VM ended, one line each: survives the session
/// and a reboot, for `vfg check`.
inline constexpr std::string_view kOutcomeDir = "/var/lib/vfg-single-gpu";
/// The service that runs a VM in single-GPU mode (an instance per USER:VM).
inline constexpr std::string_view kUnitTemplate = "vfg-single-gpu@.service";
/// The alias every display manager's unit installs (systemd's convention).
inline constexpr std::string_view kDisplayManagerUnit = "display-manager.service";
inline constexpr std::string_view kDisplayManagerLink =
    "/etc/systemd/system/display-manager.service";
}  // namespace single_gpu_paths

/// What a single-GPU run took from the host's display, in the order it took it.
struct DisplayTakeover {
  std::string card;                     ///< function 0 of the card the VM takes
  bool display_manager = false;         ///< the display manager was running, and is stopped
  std::vector<int> consoles_on_card;    ///< consoles (0 = tty1) drawn on the card
  std::vector<std::string> vtconsoles;  ///< fbcon vtconsoles that were bound ("vtcon1")
  std::vector<std::string>
      framebuffers;  ///< firmware framebuffers unbound ("efi-framebuffer/efi-framebuffer.0")
};

/// What there is to take for `card` now. The display manager's state is the
/// caller's (it asks systemd).
DisplayTakeover plan_display_takeover(const HostRoot& root, const std::string& card,
                                      bool display_manager_running);

/// The record's host path for a run ("USER:VM").
std::string takeover_record_path(std::string_view run);
std::string takeover_outcome_path(std::string_view run);

Status write_takeover(const HostRoot& root, std::string_view run, const DisplayTakeover& takeover);
/// A record's text, and back (nullopt when it is not one).
std::string takeover_json(const DisplayTakeover& takeover);
std::optional<DisplayTakeover> parse_takeover(std::string_view text);

/// nullopt when there is no record (nothing to restore) or it is damaged.
std::optional<DisplayTakeover> read_takeover(const HostRoot& root, std::string_view run);
void remove_takeover(const HostRoot& root, std::string_view run);

struct DisplayStepOptions {
  std::chrono::milliseconds write_deadline{std::chrono::seconds(20)};
  std::function<void(const std::string&)> log;
};

/// Unbinds fbcon from the virtual terminals and the firmware framebuffers.
Status release_consoles(const HostRoot& root, const DisplayTakeover& takeover,
                        const DisplayStepOptions& options);

/// Puts back what release_consoles took, verifying each: the firmware
/// framebuffers bound, the consoles that were drawn on the card drawn on it
/// again (once its driver has registered a framebuffer; this also makes fbcon
/// take the terminals back), and fbcon bound. Returns what did not come back,
/// one line each.
std::vector<std::string> restore_consoles(const HostRoot& root, const DisplayTakeover& takeover,
                                          const DisplayStepOptions& options);

/// True once the card's function 0 is on vfio-pci and a process holds its
/// VFIO group: the VM has taken the card.
bool card_taken_by_vm(const HostRoot& root, const std::string& card);

/// The processes of this process's own cgroup (the service's), ourselves
/// included: what a failsafe must end to free the card.
std::vector<pid_t> own_cgroup_processes(const HostRoot& root);

/// Records the outcome of a run, one line, for `vfg check` (0644).
Status write_outcome(const HostRoot& root, std::string_view run, const std::string& line);
std::optional<std::string> read_outcome(const HostRoot& root, std::string_view run);

}  // namespace vfg
