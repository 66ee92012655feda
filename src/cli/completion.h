// `vfg completion bash|zsh|fish`: the shell completion scripts, generated from
// the subcommand table. A hidden `vfg __complete KIND` prints the candidates
// the scripts offer for VM names, GPU addresses and USB ports.
#pragma once

#include <string>

#include "cli/cli_model.h"
#include "cli/command.h"

namespace vfg::cli {

/// Adds `completion` and the hidden `__complete`.
void add_completion_command(CLI::App& app, Context& context);

std::string bash_completion(const CliModel& model);
std::string zsh_completion(const CliModel& model);
std::string fish_completion(const CliModel& model);

}  // namespace vfg::cli
