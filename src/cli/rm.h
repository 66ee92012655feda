// `vfg rm NAME [--keep-disk]`: removes a VM that is not running.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `rm` subcommand.
void add_rm_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
