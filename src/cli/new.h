// `vfg new NAME [--os OS]`: writes a commented starter definition.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `new` subcommand.
void add_new_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
