// `vfg connect NAME`: open the VM's screen (Looking Glass, else SPICE).
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `connect` subcommand.
void add_connect_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
