#include "cli/connect.h"

#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/vm_target.h"
#include "run/viewer.h"
#include "run/vm_state.h"
#include "util/diagnostics.h"
#include "util/process.h"

namespace vfg::cli {

namespace {

std::optional<std::string> find_on_path(std::string_view program) { return find_program(program); }

int run_connect(const Context& context, const std::string& name) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  auto target = vm_target(name);
  if (!target) return report_failure(target.error());
  auto config = load_definition(*target);
  if (!config) return report_failure(config.error(), missing_definition_hint(*target));
  VmProbe probe = probe_vm(*root, RuntimeFiles::of(target->paths));
  if (probe.liveness != VmLiveness::kRunning) {
    return report_failure(Error{fmt::format("VM '{}' is not running", name)},
                          fmt::format("start it with 'vfg start {}'", name));
  }
  auto viewer = choose_viewer(*config, target->paths, &find_on_path);
  if (!viewer) return report_failure(viewer.error(), viewer_install_hint(*config));
  for (const auto& note : viewer->notes) report(Severity::kNote, note);
  SpawnOptions options;
  options.argv = viewer->argv;
  options.stdin_mode = Stdio::kInherit;
  auto child = spawn(options);
  if (!child) return report_failure(child.error());
  auto status = child->wait();
  if (!status) return report_failure(status.error());
  if (!status->success()) {
    report(Severity::kError, fmt::format("{} {}", viewer->argv[0], status->describe()));
    return 1;
  }
  return 0;
}

}  // namespace

void add_connect_command(CLI::App& app, Context& context) {
  auto name = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand(
      "connect", "Show a running VM's screen with looking-glass-client, else a SPICE viewer");
  command->add_option("NAME", *name, "The VM")->required();
  command->callback([&context, name] { context.exit_code = run_connect(context, *name); });
}

}  // namespace vfg::cli
