// vfg(1), generated from the subcommand table by the hidden `vfg man`: the
// build installs its output, so the page lists exactly what `vfg --help` does.
#pragma once

#include <string>

#include "cli/cli_model.h"
#include "cli/command.h"

namespace vfg::cli {

/// Adds the hidden `man` subcommand, which prints vfg(1) as roff.
void add_man_command(CLI::App& app, Context& context);

std::string man_page(const CliModel& model);

}  // namespace vfg::cli
