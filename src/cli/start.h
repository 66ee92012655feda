// `vfg start NAME [--foreground]`: run a VM (see run/supervisor.h for who owns it).
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `start` subcommand.
void add_start_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
