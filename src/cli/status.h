// `vfg status [NAME] [--json]`: state, pid, uptime and accelerator of one VM,
// or of every known VM.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `status` subcommand.
void add_status_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
