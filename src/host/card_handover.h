// GPU handover, the privileged side: moving a card between its host driver
// and vfio-pci while the machine runs. `vfg handover-service` runs this as
// root, started by systemd for a user of the VM group (polkit), and acts only
// on the functions listed in a root-owned allowlist that `vfg setup` writes.
// Everything it decides and does is printed (the journal keeps it) and the
// outcome is left in a result file the requesting user reads.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/device_holders.h"
#include "host/gpu.h"
#include "host/host_root.h"
#include "host/pci.h"
#include "util/result.h"

namespace vfg {

namespace handover_paths {
/// One card per line: function 0, then its other functions ("0000:03:00.0
/// 0000:03:00.1"; a card behind its own PCIe switch has them on another
/// bus); '#' comments. Root's, 0644.
inline constexpr std::string_view kAllowlist = "/etc/vfg/handover.allow";
/// Records of released cards, locks, and result files (tmpfs: a reboot
/// gives every card back to its host driver, so nothing needs to survive it).
inline constexpr std::string_view kStateDir = "/run/vfg-handover";
}  // namespace handover_paths

enum class HandoverOp { kRelease, kReturn };

/// "release" / "return"; nullopt for anything else.
std::optional<HandoverOp> parse_handover_op(std::string_view text);
std::string_view to_string(HandoverOp op);

/// A card the handover service may move: the address requests name it by,
/// and every function that moves with it (function 0 first).
struct AllowedCard {
  PciAddress card;
  std::vector<PciAddress> functions;
};

/// Where a card goes for a VM, as the host is set up.
enum class CardBinding {
  kHost,   ///< its host driver; nothing hands it to a VM
  kBoot,   ///< vfio-pci holds it from boot (not on the handover allowlist)
  kStart,  ///< on the handover allowlist: the host's until `vfg start`
};
CardBinding card_binding(const GpuCard& card, const PciDevices& devices,
                         const std::vector<AllowedCard>& handover);
/// "host", "boot", "start".
std::string_view to_string(CardBinding binding);

/// The systemd unit template that serves `op`: "vfg-handover-release@.service".
std::string handover_unit_template(HandoverOp op);
/// Its instance for a card: "vfg-handover-release@0000:03:00.0.service".
std::string handover_unit(HandoverOp op, const PciAddress& card);

/// The allowlist's text for these cards, each a list of functions with
/// function 0 first (what setup writes).
std::string render_allowlist(const std::vector<std::vector<std::string>>& cards);

/// Parses an allowlist; an entry that is not a canonical PCI address fails
/// with FILE:LINE.
Result<std::vector<AllowedCard>> parse_allowlist(std::string_view text, std::string_view file);

/// The allowlist, only when root owns it and no one else may change it.
Result<std::vector<AllowedCard>> read_handover_allowlist(const HostRoot& root);

/// Where one function of a card is, after a request.
struct FunctionPlace {
  std::string address;
  std::string driver;  ///< bound now; empty: none
};

/// What one request did, as the result file holds it.
struct HandoverResult {
  std::string card;
  HandoverOp op = HandoverOp::kRelease;
  bool ok = false;
  /// One line: what happened or why not.
  std::string message;
  /// What kept the card from leaving its driver (release refused).
  std::vector<DeviceHolder> holders;
  std::vector<FunctionPlace> functions;
};

/// The result file's text, and back (nullopt when it is not one).
std::string result_json(const HandoverResult& result);
std::optional<HandoverResult> parse_result_json(std::string_view text);

/// The host path of a card's result file.
std::string handover_result_path(const PciAddress& card);

struct HandoverOptions {
  /// How long one sysfs write may block.
  std::chrono::milliseconds write_deadline{std::chrono::seconds(20)};
  /// Told each action as it happens (the journal).
  std::function<void(const std::string&)> log;
};

/// Serves one request: `card_text` must be a canonical address on the
/// allowlist. Release refuses while anything holds the card (naming every
/// holder) and otherwise moves every listed function of the card's slot to
/// vfio-pci; return refuses while a process holds the card's VFIO group and
/// otherwise gives every function back to its driver and verifies it (the
/// recorded driver bound, its device nodes back). The returned result is
/// also written to the result file. An error value means the request itself
/// was refused before anything was touched.
Result<HandoverResult> serve_handover(const HostRoot& root, HandoverOp op,
                                      std::string_view card_text, const HandoverOptions& options);

}  // namespace vfg
