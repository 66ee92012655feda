#include "cli/args.h"

#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/vm_target.h"
#include "run/qemu_caps_cache.h"
#include "run/tuning/tuning.h"
#include "vm/argv_script.h"
#include "vm/launch_planner.h"

namespace vfg::cli {

namespace {

struct ArgsOptions {
  std::string name;
  bool json = false;
};

int run_args(const Context& context, const ArgsOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  auto target = vm_target(options.name);
  if (!target) return report_failure(target.error());
  auto config = load_definition(*target);
  if (!config) {
    std::error_code error;
    bool exists = std::filesystem::exists(target->paths.config_file, error);
    return report_failure(config.error(), exists ? "" : missing_definition_hint(*target));
  }
  auto qemu = probe_qemu_cached(qemu_caps_cache_file(target->dirs), "qemu-system-x86_64");
  if (!qemu) return report_failure(qemu.error().with_context(options.name));
  auto plan = plan_launch(*config, HostReading(*root), target->dirs, *qemu, "qemu-system-x86_64");
  if (!plan) return report_failure(plan.error().with_context(options.name));
  // The -smp topology the pinning plan decides, exactly as `vfg start` runs it.
  auto tuning = plan_tuning(*config, *root, plan->host_cpu_amd, {});
  if (!tuning) return report_failure(tuning.error().with_context(options.name));
  auto command = build_qemu_argv(with_guest_topology(*config, tuning->pin), *plan);
  if (!command) return report_failure(command.error().with_context(options.name));
  if (options.json) {
    nlohmann::json doc = {{"name", options.name},
                          {"accelerator", plan->kvm ? "kvm" : "tcg"},
                          {"argv", command->argv},
                          {"notices", command->notices}};
    fmt::print("{}\n", doc.dump(2));
    return 0;
  }
  fmt::print("{}", render_shell_script(options.name, *plan, *command));
  return 0;
}

}  // namespace

void add_args_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<ArgsOptions>();
  CLI::App* command = app.add_subcommand(
      "args", "Print the VM's QEMU command line as a shell script (its qemu.sh)");
  command->add_option("NAME", options->name, "The VM")->required();
  command->add_flag("--json", options->json, "Print the argv and notices as JSON");
  command->callback([&context, options] { context.exit_code = run_args(context, *options); });
}

}  // namespace vfg::cli
