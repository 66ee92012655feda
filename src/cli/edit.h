// `vfg edit NAME`: opens the definition in $EDITOR and replaces it only with
// a version the loader accepts.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `edit` subcommand.
void add_edit_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
