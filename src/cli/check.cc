#include "cli/check.h"

#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "check/facts.h"
#include "check/host_checks.h"
#include "check/render.h"
#include "util/diagnostics.h"

namespace vfg::cli {

namespace {

struct CheckOptions {
  std::string name;
  bool json = false;
};

int run_check(const Context& context, const CheckOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  auto facts = check::gather_host_facts(*root);
  if (!facts) return report_failure(facts.error());
  check::SetupExpectations setup;
  check::Report report;
  report.findings = check::check_host(*facts, setup);
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
  command->add_option("NAME", options->name, "Also check this VM's definition");
  command->add_flag("--json", options->json, "Print the report as JSON (schema: docs/check.md)");
  command->footer(
      "Exit status: 0 all good, 1 warnings only, 2 something fails (or the check could not run).");
  command->callback([&context, options] { context.exit_code = run_check(context, *options); });
}

}  // namespace vfg::cli
