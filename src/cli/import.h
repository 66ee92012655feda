// `vfg import NAME FILE|-`: writes a definition from an existing qemu.sh or
// libvirt domain and reports what became of every part of it; with --check,
// compares the source's QEMU command line with the one vfg runs.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `import` subcommand.
void add_import_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
