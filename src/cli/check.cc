#include "cli/check.h"

#include <cstdio>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "check/render.h"
#include "check/run_checks.h"
#include "cli/vm_target.h"
#include "run/qemu_caps_cache.h"
#include "setup/gather.h"
#include "util/diagnostics.h"

namespace vfg::cli {

namespace {

struct CheckOptions {
  std::string name;
  const CLI::Option* name_argument = nullptr;
  bool json = false;
};

Result<VmConfig> load_named_vm(const std::string& name) {
  // The same answers as every other command: "no VM named", a dangling link.
  auto target = vm_target(name);
  if (!target) return tl::unexpected(target.error());
  return load_definition(*target);
}

}  // namespace

// Without a plan (an unknown boot chain, a tree without /etc), the findings
// name the manual fix instead of the setup step.
check::SetupExpectations setup_expectations(const HostReading& host, const VmConfig* vm) {
  check::SetupExpectations expectations;
  SetupArgs args;
  if (vm != nullptr) args.vms.push_back(*vm);
  auto plan = plan_host_setup(host, args);
  if (!plan) return expectations;
  const PlanTargets& targets = plan->targets;
  expectations.known = true;
  expectations.kernel_params = targets.kernel_params;
  expectations.vfio_devices = targets.vfio_devices;
  expectations.user_groups = targets.user_groups;
  expectations.memlock =
      targets.memlock_unlimited ? std::optional<uint64_t>(UINT64_MAX) : targets.memlock;
  for (const auto& file : targets.files)
    expectations.files.push_back({file.path, file.contents, file.in_place, file.need});
  return expectations;
}

namespace {

int run_check(const Context& context, const CheckOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  std::optional<VmConfig> vm;
  if (vm_named(*options.name_argument)) {
    auto loaded = load_named_vm(options.name);
    if (!loaded)
      return report_failure(loaded.error(),
                            "VM definitions live in $XDG_CONFIG_HOME/vfg/NAME.toml "
                            "(~/.config/vfg/NAME.toml)");
    vm = std::move(*loaded);
  }
  // The setup plan and the facts read the host once between them.
  HostReading host(*root);
  check::SetupExpectations setup = setup_expectations(host, vm ? &*vm : nullptr);
  auto input = check::gather_check_input(host, vm ? &*vm : nullptr, setup,
                                         [] { return probe_qemu_for_user(); });
  if (!input) return report_failure(input.error());
  check::Report report = check::judge(*input);
  if (options.json)
    fmt::print("{}", check::render_json(report));
  else
    fmt::print("{}", check::render_human(report, use_colour(stdout)));
  return report.exit_code();
}

}  // namespace

void add_check_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = app.add_subcommand(
      "check", "Report whether the host (and the VM NAME) is ready, with a fix for each problem");
  options->name_argument =
      command->add_option("NAME", options->name, "Also check this VM's definition");
  command->add_flag("--json", options->json, "Print the report as JSON (schema: docs/check.md)");
  command->footer(
      "Exit status: 0 all good, 1 warnings only, 2 something fails (or the check could not run).");
  command->callback([&context, options] { context.exit_code = run_check(context, *options); });
}

}  // namespace vfg::cli
