// The files that install GPU handover (binding = "start"): two systemd
// template units that run `vfg handover-service` as root for one card, and a
// polkit rule that lets the VM group start exactly those units. The
// allowlist they act on is host/card_handover.h's (render_allowlist).
#pragma once

#include <string>

#include "host/card_handover.h"

namespace vfg {

/// vfg-handover-release@.service / vfg-handover-return@.service for `vfg_binary`.
std::string handover_unit_text(HandoverOp op, const std::string& vfg_binary);

/// /etc/polkit-1/rules.d/50-vfg-handover.rules for `group`: members may start
/// a handover unit for a well-formed PCI address and, with `single_gpu`, start
/// and stop the single-GPU unit of their own VMs; nothing else.
std::string handover_polkit_rule(const std::string& group, bool single_gpu);

/// vfg-single-gpu@.service for `vfg_binary` (run/single_gpu.h).
std::string single_gpu_unit_text(const std::string& vfg_binary);

}  // namespace vfg
