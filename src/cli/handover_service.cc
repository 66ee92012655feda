#include "cli/handover_service.h"

#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "host/card_handover.h"

namespace vfg::cli {

namespace {

struct HandoverServiceOptions {
  std::string op;
  std::string card;
};

int run_handover_service(const Context& context, const HandoverServiceOptions& options) {
  // Only the service runs this; as anyone else it could change nothing anyway.
  if (::geteuid() != 0 && context.global.root.empty())
    return report_failure(Error{"handover-service runs as root, started by systemd"},
                          "use `vfg start` for a VM whose card has binding = \"start\"");
  auto root = context.host();
  if (!root) return report_failure(root.error());
  auto op = parse_handover_op(options.op);
  if (!op)
    return report_failure(Error{fmt::format("unknown operation '{}'", options.op)},
                          "use release or return");
  HandoverOptions handover;
  // systemd puts each line in the journal under the unit's name.
  handover.log = [](const std::string& line) { fmt::print("{}\n", line); };
  auto result = serve_handover(*root, *op, options.card, handover);
  if (!result) return report_failure(result.error());
  std::fflush(stdout);
  return result->ok ? 0 : 1;
}

}  // namespace

void add_handover_service_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<HandoverServiceOptions>();
  CLI::App* command = app.add_subcommand(
      "handover-service", "Move a card between its host driver and vfio-pci (systemd runs it)");
  command->group("");
  command->add_option("OPERATION", options->op, "release or return")->required();
  command->add_option("CARD", options->card, "The card's function 0 (0000:01:00.0)")->required();
  command->callback(
      [&context, options] { context.exit_code = run_handover_service(context, *options); });
}

}  // namespace vfg::cli
