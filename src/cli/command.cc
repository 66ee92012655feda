#include "cli/command.h"

#include <CLI/CLI.hpp>

#include "host/host_root_open.h"
#include "util/diagnostics.h"

namespace vfg::cli {

Result<HostRoot> Context::host() const { return open_host_root(global.root); }

int report_failure(const Error& error, std::string_view hint) {
  report(Severity::kError, error.message, hint);
  return 2;
}

int run(std::span<const Command> commands, int argc, char** argv) {
  Context context;
  CLI::App app{"vfg — GPU passthrough gaming VMs with plain QEMU", "vfg"};
  app.set_version_flag("--version", std::string("vfg ") + VFG_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--root", context.global.root,
                 "Read the host from this tree (a fixture or unpacked snapshot) instead of /")
      ->type_name("DIR");
  for (const auto& command : commands) command.add(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 checks what is required before what is left over, so "vfg frob"
    // would say "A subcommand is required": name the word it did not know.
    auto left = app.remaining(true);
    if (!left.empty() && !left.front().empty() && left.front().front() == '-') {
      report(Severity::kError, fmt::format("unknown option '{}'", left.front()),
             "run 'vfg --help' (or 'vfg COMMAND --help') for the options");
    } else if (!left.empty() && app.get_subcommands().empty()) {
      report(Severity::kError, fmt::format("unknown command '{}'", left.front()),
             "run 'vfg --help' for the list of commands");
    } else {
      report(Severity::kError, e.what(), "run 'vfg --help' for the list of commands and options");
    }
    return 2;
  }
  return context.exit_code;
}

}  // namespace vfg::cli
