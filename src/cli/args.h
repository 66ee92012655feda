// `vfg args NAME [--json]`: the VM's QEMU command line as a runnable shell script.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `args` subcommand.
void add_args_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
