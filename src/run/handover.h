// GPU handover, the user's side: a VM whose card has binding = "start" asks
// the privileged handover service (host/card_handover.h, run by systemd for
// the VM group through polkit) to release the card to vfio-pci before QEMU
// starts and to give it back once QEMU has exited. What was asked is
// recorded in the runtime directory (handover.json) until the card is back,
// so a later `vfg stop` or `vfg start` finishes a return that a crash
// interrupted, exactly once (under the VM's lock).
#pragma once

#include <string>
#include <vector>

#include "host/card_handover.h"
#include "host/host_root.h"
#include "run/launch_request.h"
#include "util/result.h"
#include "vm/vm_config.h"
#include "vm/vm_paths.h"

namespace vfg {

/// The cards of `config` that move at start (function 0 of each).
std::vector<PciAddress> start_bound_cards(const VmConfig& config);

/// Asks the service for one card and waits for its answer (systemctl start
/// of the card's unit). An error when the service could not be asked or
/// refused the request outright; a result that is not ok when it acted and
/// failed, or found the card in use.
Result<HandoverResult> request_handover(const HostRoot& root, HandoverOp op,
                                        const PciAddress& card);

/// Adds the release before QEMU starts and the return after it exits.
void add_handover_steps(LaunchRequest& request, const std::vector<PciAddress>& cards);

/// A message for a release that was refused or failed, with its holders.
std::string describe_failure(const HandoverResult& result);

/// The record of cards handed over by a run of this VM (in its runtime dir).
std::filesystem::path handover_record_path(const VmPaths& paths);

/// The cards a run released and did not give back yet (empty: none).
std::vector<PciAddress> pending_handover(const VmPaths& paths);

/// Where the functions of each card a run handed over are now (from the
/// record, so after a crash too).
struct HandedOverCard {
  std::string card;
  std::vector<FunctionPlace> functions;
};
std::vector<HandedOverCard> handed_over_cards(const HostRoot& root, const VmPaths& paths);

/// "0000:03:00.0 on vfio-pci, 0000:03:00.1 on vfio-pci".
std::string describe_places(const std::vector<FunctionPlace>& functions);

/// Gives back what a run that ended without doing so still holds released
/// (its supervisor was killed, or the return failed). Call it holding the
/// VM's lock, once QEMU is gone. A line per card returned; an error (the
/// record kept for the next try) when one does not come back.
Result<std::vector<std::string>> finish_abandoned_handover(const HostRoot& root,
                                                           const VmPaths& paths);

}  // namespace vfg
