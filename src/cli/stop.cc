#include "cli/stop.h"

#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/vm_target.h"
#include "run/stopper.h"
#include "util/diagnostics.h"

namespace vfg::cli {

namespace {

struct StopOptions {
  std::string name;
  std::optional<int64_t> timeout;
  bool force = false;
  bool json = false;
};

int run_stop(const Context& context, const StopOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  auto target = vm_target(options.name);
  if (!target) return report_failure(target.error());
  StopRequest request;
  request.paths = target->paths;
  request.force = options.force;
  if (options.timeout) request.timeout = std::chrono::seconds(*options.timeout);
  if (!options.json) {
    request.on_progress = [](const std::string& text) { fmt::print("{}\n", text); };
  }
  auto outcome = stop_vm(*root, request);
  if (!outcome) {
    return report_failure(
        outcome.error(),
        options.force ? "" : "'vfg stop --force' quits QEMU without asking the guest");
  }
  // Nothing ran and nothing is defined: a typo, not a stopped VM.
  std::error_code error;
  if (outcome->how == StopOutcome::How::kNotRunning && !outcome->cleared_stale &&
      !std::filesystem::exists(target->paths.config_file, error))
    return report_failure(Error{fmt::format("no VM named '{}'", options.name)},
                          missing_definition_hint(*target));
  if (options.json) {
    nlohmann::json doc = {{"name", options.name},
                          {"how", outcome->how_name()},
                          {"was_running", outcome->how != StopOutcome::How::kNotRunning},
                          {"graceful", outcome->how == StopOutcome::How::kGuestShutdown},
                          {"seconds", outcome->seconds},
                          {"timed_out", outcome->timed_out},
                          {"woke", outcome->woke},
                          {"by_agent", outcome->by_agent},
                          {"presses", outcome->presses}};
    doc["pid"] = outcome->qemu_pid > 0 ? nlohmann::json(outcome->qemu_pid) : nlohmann::json();
    doc["shutdown_reason"] = outcome->shutdown_reason.empty()
                                 ? nlohmann::json()
                                 : nlohmann::json(outcome->shutdown_reason);
    doc["notes"] = outcome->notes;
    fmt::print("{}\n", doc.dump(2));
    return 0;
  }
  for (const auto& note : outcome->notes) report(Severity::kNote, note);
  if (outcome->how == StopOutcome::How::kNotRunning) {
    fmt::print("'{}' is not running{}\n", options.name,
               outcome->cleared_stale ? " (cleared the state a crashed run left behind)" : "");
    return 0;
  }
  fmt::print("stopped '{}': {}\n", options.name, outcome->describe());
  return 0;
}

}  // namespace

void add_stop_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<StopOptions>();
  CLI::App* command = app.add_subcommand(
      "stop", "Shut a VM down: guest agent or ACPI power button, then quit after the timeout");
  command->add_option("NAME", options->name, "The VM")->required();
  command
      ->add_option(
          "--timeout", options->timeout,
          "Seconds to wait for the guest to power off (default: the VM's stop_timeout, 60)")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--force", options->force, "Quit QEMU at once, without asking the guest");
  command->add_flag("--json", options->json, "Print how it stopped as JSON");
  command->callback([&context, options] { context.exit_code = run_stop(context, *options); });
}

}  // namespace vfg::cli
