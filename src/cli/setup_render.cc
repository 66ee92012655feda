#include "cli/setup_render.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "setup/diff.h"

namespace vfg::cli {

namespace {

std::string_view drift_name(Drift drift) {
  switch (drift) {
    case Drift::kAsWritten:
      return "as-written";
    case Drift::kChanged:
      return "changed";
    case Drift::kMissing:
      return "missing";
    case Drift::kNotYetWritten:
      return "not-yet-written";
  }
  return "unknown";
}

}  // namespace

std::string render_plan(const HostPlan& plan, bool live) {
  std::string out;
  for (const auto& note : plan.notes) out += "note: " + note + "\n";
  for (const auto& warning : plan.warnings) out += "warning: " + warning + "\n";
  if (plan.empty())
    return out + (plan.unmet.empty() ? "Nothing to do: the host is set up as planned.\n"
                                     : "Nothing left that setup can write; the warnings above "
                                       "say what is yours to do.\n");
  out += "\n";
  for (const auto& edit : plan.files) {
    out += fmt::format("# {} — {}\n", edit.path, edit.why);
    out += unified_diff(edit.path, edit.old_contents, edit.new_contents);
    out += "\n";
  }
  if (!plan.commands.empty()) {
    out += live ? "Commands run after the files are written:\n"
                : "Commands for the target system (never run against a --root tree):\n";
    for (const auto& command : plan.commands)
      out += fmt::format("  {}    # {}\n", command_line(command.argv), command.why);
    out += "\n";
  }
  out += fmt::format("{} file(s) and {} command(s). Nothing has been changed; apply with --apply",
                     plan.files.size(), plan.commands.size());
  out += live ? " (as root: sudo vfg setup --apply ...).\n" : ".\n";
  return out;
}

std::string render_plan_json(const HostPlan& plan) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& edit : plan.files)
    files.push_back({{"path", edit.path},
                     {"action", edit.old_contents ? "modify" : "create"},
                     {"mode", fmt::format("{:04o}", edit.mode)},
                     {"why", edit.why},
                     {"diff", unified_diff(edit.path, edit.old_contents, edit.new_contents)},
                     {"contents", edit.new_contents}});
  nlohmann::json commands = nlohmann::json::array();
  for (const auto& command : plan.commands)
    commands.push_back({{"argv", command.argv},
                        {"why", command.why},
                        {"undo_argv", command.undo_argv},
                        {"regenerate", command.regenerate}});
  nlohmann::json targets = {{"kernel_params", plan.targets.kernel_params},
                            {"vfio_devices", plan.targets.vfio_devices},
                            {"user_groups", plan.targets.user_groups},
                            {"memlock_unlimited", plan.targets.memlock_unlimited}};
  targets["memlock"] = plan.targets.memlock ? nlohmann::json(*plan.targets.memlock) : nullptr;
  nlohmann::json out = {{"empty", plan.empty()},     {"files", files},
                        {"commands", commands},      {"notes", plan.notes},
                        {"warnings", plan.warnings}, {"unmet", plan.unmet},
                        {"targets", targets}};
  return out.dump(2) + "\n";
}

std::string render_status(const SetupStatus& status) {
  std::string out;
  if (!status.managed) {
    out += "setup has not changed this host (no journal).\n";
  } else {
    if (status.journal_state == "applying")
      out += "an apply was interrupted: run 'vfg setup --apply' to finish it or --undo.\n";
    if (status.journal_state == "undoing")
      out += "an undo was interrupted: run 'vfg setup --undo' to finish it.\n";
    for (const auto& file : status.files) {
      std::string_view state = file.drift == Drift::kAsWritten ? "ok       "
                               : file.drift == Drift::kChanged ? "CHANGED  "
                               : file.drift == Drift::kMissing ? "MISSING  "
                                                               : "PENDING  ";
      out += fmt::format("{}{}{}\n", state, file.path, file.created ? " (created by setup)" : "");
    }
  }
  for (const auto& need : status.unmet)
    out += fmt::format("NOT DONE {}: setup cannot put it in place ('vfg setup' says why)\n", need);
  if (status.pending_files + status.pending_commands > 0)
    out += fmt::format("{} file(s) and {} command(s) still to apply ('vfg setup' shows them).\n",
                       status.pending_files, status.pending_commands);
  else if (status.matches_plan())
    out += "the host matches the plan.\n";
  else if (!status.unmet.empty())
    out += "the host does not match the plan: setup leaves what is marked above to you.\n";
  else
    out += "the host does not match what setup wrote: see the files marked above.\n";
  return out;
}

std::string render_status_json(const SetupStatus& status) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& file : status.files)
    files.push_back(
        {{"path", file.path}, {"state", drift_name(file.drift)}, {"created", file.created}});
  nlohmann::json out = {{"managed", status.managed},
                        {"journal_state", status.journal_state},
                        {"files", files},
                        {"pending_files", status.pending_files},
                        {"pending_commands", status.pending_commands},
                        {"unmet", status.unmet}};
  return out.dump(2) + "\n";
}

}  // namespace vfg::cli
