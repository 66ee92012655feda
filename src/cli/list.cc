#include "cli/list.h"

#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run/vm_state.h"
#include "run/vm_status.h"

namespace vfg::cli {

namespace {

int run_list(const Context& context, bool json) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  auto dirs = XdgDirs::from_environment();
  if (!dirs) return report_failure(dirs.error());
  nlohmann::json doc = nlohmann::json::array();
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& name : defined_vm_names(*dirs)) {
    VmPaths paths = locate_vm(*dirs, name);
    // The record and /proc answer "does it run" without a QMP round trip.
    VmProbe probe = probe_vm(*root, RuntimeFiles::of(paths));
    bool running = probe.liveness == VmLiveness::kRunning;
    doc.push_back({{"name", name},
                   {"definition", paths.config_file.string()},
                   {"running", running},
                   {"pid", running ? nlohmann::json(probe.record->qemu_pid) : nlohmann::json()}});
    rows.emplace_back(name, running ? fmt::format("running (pid {})", probe.record->qemu_pid)
                                    : std::string("stopped"));
  }
  if (json) {
    fmt::print("{}\n", doc.dump(2));
    return 0;
  }
  if (rows.empty()) {
    fmt::print("no VMs defined in {}; create one with 'vfg new NAME'\n", dirs->config.string());
    return 0;
  }
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  for (const auto& [name, state] : rows) fmt::print("{:<{}}  {}\n", name, width, state);
  return 0;
}

}  // namespace

void add_list_command(CLI::App& app, Context& context) {
  auto json = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand(
      "list", "List the VM definitions ($XDG_CONFIG_HOME/vfg/*.toml) and which of them run");
  command->add_flag("--json", *json, "Print JSON");
  command->callback([&context, json] { context.exit_code = run_list(context, *json); });
}

}  // namespace vfg::cli
