#include "cli/completion.h"

#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "host/hardware.h"
#include "run/vm_status.h"
#include "util/xdg.h"

namespace vfg::cli {

namespace {

struct CompletionOptions {
  std::string shell;
  std::string kind;
};

// One candidate a line. What cannot be read completes to nothing: a
// completion never prints an error into the user's prompt.
int print_candidates(const Context& context, const std::string& kind) {
  if (kind == "vms") {
    auto dirs = XdgDirs::from_environment();
    if (!dirs) return 1;
    for (const auto& name : defined_vm_names(*dirs)) fmt::print("{}\n", name);
    return 0;
  }
  auto root = context.host();
  if (!root) return 1;
  HardwareParts parts{false, false, false, false, false, false};
  if (kind == "gpus") {
    parts.pci = true;
    for (const auto& card : scan_hardware(*root, parts).gpus)
      fmt::print("{}\n", card.gpu.to_string());
  } else if (kind == "usb-ports") {
    parts.usb = true;
    for (const auto& device : scan_hardware(*root, parts).usb.devices)
      if (!device.is_root_hub() && !device.is_hub()) fmt::print("{}\n", device.name);
  }
  return 0;
}

}  // namespace

void add_completion_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<CompletionOptions>();
  CLI::App* command =
      app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  command->add_option("SHELL", options->shell, "The shell")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  command->callback([&app, options] {
    CliModel model = read_cli_model(app, VFG_VERSION);
    std::string script = options->shell == "bash"  ? bash_completion(model)
                         : options->shell == "zsh" ? zsh_completion(model)
                                                   : fish_completion(model);
    fmt::print("{}", script);
  });

  CLI::App* values = app.add_subcommand("__complete", "Candidates for a completion");
  values->group("");
  values->add_option("KIND", options->kind)
      ->required()
      ->check(CLI::IsMember({"vms", "gpus", "usb-ports"}));
  values->callback(
      [&context, options] { context.exit_code = print_candidates(context, options->kind); });
}

}  // namespace vfg::cli
