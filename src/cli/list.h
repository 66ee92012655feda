// `vfg list [--json]`: the VM definitions and whether each runs.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `list` subcommand.
void add_list_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
