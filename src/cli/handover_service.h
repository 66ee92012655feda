// The hidden `vfg handover-service release|return CARD`: the privileged end
// of GPU handover. systemd runs it as root (vfg-handover-release@CARD.service,
// vfg-handover-return@CARD.service, installed by `vfg setup`), started for a
// member of the VM group through polkit; nobody else has a reason to call it.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

void add_handover_service_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
