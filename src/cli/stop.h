// `vfg stop NAME [--timeout S] [--force]`: graceful (ACPI) or forced stop.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `stop` subcommand.
void add_stop_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
