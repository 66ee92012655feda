// `vfg setup [VM...] [--gpu ADDR...]`: shows, applies, undoes and audits every
// host file GPU passthrough needs.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `setup` subcommand.
void add_setup_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
