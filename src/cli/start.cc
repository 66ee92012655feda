#include "cli/start.h"

#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/vm_target.h"
#include "run/launcher.h"
#include "run/plan_resolver.h"
#include "util/diagnostics.h"

namespace vfg::cli {

namespace {

struct StartOptions {
  std::string name;
  bool foreground = false;
};

// Definition → plan → argv: everything that can fail before anything runs.
Result<LaunchRequest> prepare(const Context& context, const VmTarget& target,
                              const VmConfig& config) {
  auto root = context.host();
  if (!root) return tl::unexpected(root.error());
  auto resolved = resolve_launch_plan(config, target.paths, target.dirs, *root);
  if (!resolved) return tl::unexpected(resolved.error());
  auto command = build_qemu_argv(config, resolved->plan);
  if (!command) return fail(command.error(), "building the QEMU command line");
  for (const auto& notice : resolved->notices) report(Severity::kNote, notice);
  for (const auto& notice : command->notices) report(Severity::kNote, notice);
  LaunchRequest request;
  request.paths = target.paths;
  request.argv = std::move(command->argv);
  request.accelerator = resolved->plan.kvm ? "kvm" : "tcg";
  request.stop_timeout = config.stop_timeout;
  // Tuning that needs QEMU's threads (vCPU pinning) joins request.before_continue here.
  return request;
}

int run_start(const Context& context, const StartOptions& options) {
  auto target = vm_target(options.name);
  if (!target) return report_failure(target.error());
  auto config = load_definition(*target);
  if (!config) {
    std::error_code error;
    bool missing = !std::filesystem::exists(target->paths.config_file, error);
    return report_failure(config.error(), missing ? missing_definition_hint(*target) : "");
  }
  auto request = prepare(context, *target, *config);
  if (!request)
    return report_failure(
        request.error().with_context(fmt::format("cannot start '{}'", options.name)));
  std::string accelerator = request->accelerator;

  if (!options.foreground) {
    auto info = start_detached(std::move(*request));
    if (!info) {
      return report_failure(
          info.error().with_context(fmt::format("cannot start '{}'", options.name)), "");
    }
    for (const auto& note : info->notes) report(Severity::kNote, note);
    fmt::print("started '{}' (QEMU pid {}, {}); stop it with 'vfg stop {}'\n", options.name,
               info->qemu_pid, accelerator, options.name);
    return 0;
  }

  ForegroundHooks hooks;
  hooks.on_running = [&](const LaunchInfo& info) {
    for (const auto& note : info.notes) report(Severity::kNote, note);
    fmt::print("'{}' is running (QEMU pid {}, {}); press Ctrl-C to shut it down\n", options.name,
               info.qemu_pid, accelerator);
    std::fflush(stdout);
  };
  hooks.on_progress = [](const std::string& text) {
    fmt::print("{}\n", text);
    std::fflush(stdout);
  };
  auto exit = run_foreground(std::move(*request), hooks);
  if (!exit) {
    return report_failure(
        exit.error().with_context(fmt::format("cannot start '{}'", options.name)));
  }
  fmt::print("'{}' stopped: {}\n", options.name, exit->description);
  // A guest that powered off, or a stop we asked for, is a normal end.
  bool normal = exit->guest_shutdown || exit->forced || (exit->signal == 0 && exit->exit_code == 0);
  return normal ? 0 : 1;
}

}  // namespace

void add_start_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<StartOptions>();
  CLI::App* command = app.add_subcommand(
      "start", "Start a VM: QEMU paused, checked over QMP, continued; returns once it runs");
  command->add_option("NAME", options->name, "The VM ($XDG_CONFIG_HOME/vfg/NAME.toml)")->required();
  command->add_flag("--foreground", options->foreground,
                    "Stay attached until the VM stops; Ctrl-C shuts the guest down gracefully");
  command->callback([&context, options] { context.exit_code = run_start(context, *options); });
}

}  // namespace vfg::cli
