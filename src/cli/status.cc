#include "cli/status.h"

#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/vm_target.h"
#include "run/tuning/tuning.h"
#include "run/vm_status.h"
#include "util/diagnostics.h"

namespace vfg::cli {

namespace {

struct StatusOptions {
  std::string name;
  const CLI::Option* name_argument = nullptr;
  bool json = false;
};

std::string human_line(const VmStatus& status) {
  if (!status.running()) {
    return status.state == "starting" ? fmt::format("{}: starting", status.name)
                                      : fmt::format("{}: stopped", status.name);
  }
  std::string line = fmt::format("{}: {}{}, pid {}", status.name, status.state,
                                 status.degraded ? " (degraded)" : "", status.qemu_pid);
  if (status.uptime_seconds) line += ", up " + format_duration(*status.uptime_seconds);
  if (!status.accelerator.empty()) line += ", " + status.accelerator;
  if (!status.supervised) line += " (its supervisor is gone; 'vfg stop' still works)";
  return line;
}

int run_status(const Context& context, const StatusOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  std::vector<VmStatus> statuses;
  const bool named = vm_named(*options.name_argument);
  if (named) {
    auto target = vm_target(options.name);
    if (!target) return report_failure(target.error());
    VmStatus status = query_vm_status(*root, target->paths);
    std::error_code error;
    if (status.state == "stopped" && status.note.empty() &&
        !std::filesystem::exists(target->paths.config_file, error)) {
      return report_failure(Error{fmt::format("no VM named '{}'", options.name)},
                            missing_definition_hint(*target));
    }
    statuses.push_back(std::move(status));
  } else {
    auto dirs = XdgDirs::from_environment();
    if (!dirs) return report_failure(dirs.error());
    for (const auto& name : known_vm_names(*dirs))
      statuses.push_back(query_vm_status(*root, locate_vm(*dirs, name)));
    if (statuses.empty() && !options.json) {
      fmt::print("no VMs defined in {}\n", dirs->config.string());
      return 0;
    }
  }
  if (options.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& status : statuses) doc.push_back(status.to_json());
    // One VM asked for: its object; all of them: an array.
    fmt::print("{}\n", named ? doc[0].dump(2) : doc.dump(2));
    return 0;
  }
  for (const auto& status : statuses) {
    fmt::print("{}\n", human_line(status));
    if (status.tuning)
      for (const auto& line : describe_tuning_record(*status.tuning)) fmt::print("  {}\n", line);
    for (const auto& card : status.handover) {
      if (status.running())
        fmt::print("  card {}: {} (handed over for this run)\n", card.card,
                   describe_places(card.functions));
      else
        report(Severity::kWarning,
               fmt::format("{}: card {} was not given back to the host ({}); `vfg stop {}` gives "
                           "it back",
                           status.name, card.card, describe_places(card.functions), status.name));
    }
    for (const auto& problem : status.problems)
      report(Severity::kWarning, fmt::format("{}: {}", status.name, problem));
    if (!status.log.empty())
      fmt::print("  {}: {}\n", status.state == "stopped" ? "last run's log" : "log", status.log);
    if (!status.note.empty())
      report(Severity::kNote, fmt::format("{}: {}", status.name, status.note));
  }
  return 0;
}

}  // namespace

void add_status_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<StatusOptions>();
  CLI::App* command =
      app.add_subcommand("status", "Show whether a VM runs: state, pid, uptime, accelerator");
  options->name_argument = command->add_option("NAME", options->name, "The VM (default: every VM)");
  command->add_flag("--json", options->json, "Print JSON (an object for NAME, else an array)");
  command->callback([&context, options] { context.exit_code = run_status(context, *options); });
}

}  // namespace vfg::cli
