// `vfg check [NAME]`: the readiness report for the host, and for a VM when named.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `check` subcommand.
void add_check_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
