// `vfg snapshot [FILE]`: pack what vfg reads from this host into a .tar.gz
// for bug reports and test fixtures.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Defines the `snapshot` subcommand.
void add_snapshot_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
