#include "cli/command.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "host/host_root_open.h"
#include "util/diagnostics.h"
#include "util/strings.h"

namespace vfg::cli {

Result<HostRoot> Context::host() const { return open_host_root(global.root); }

int report_failure(const Error& error, std::string_view hint) {
  report(Severity::kError, error.message, hint);
  return 2;
}

namespace {

/// The subcommand word of the command line when it names no command, with
/// the command it is closest to ("strat" → "start"), for the error.
std::optional<std::pair<std::string, std::optional<std::string>>> mistyped_command(
    std::span<const Command> commands, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word == "--root") {
      ++i;  // its value
      continue;
    }
    if (word.empty() || word[0] == '-') continue;
    std::vector<std::string> names;
    for (const auto& command : commands) {
      if (command.name == word) return std::nullopt;
      names.emplace_back(command.name);
    }
    return std::make_pair(std::string(word), closest_match(word, names));
  }
  return std::nullopt;
}

}  // namespace

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
    if (auto mistyped = mistyped_command(commands, argc, argv)) {
      auto& [word, closest] = *mistyped;
      report(Severity::kError, fmt::format("'{}' is not a vfg command", word),
             closest
                 ? fmt::format("did you mean 'vfg {}'? ('vfg --help' lists the commands)", *closest)
                 : std::string("'vfg --help' lists the commands"));
      return 2;
    }
    // CLI11 checks what is required before what is left over, so "vfg start
    // --bogus" would say "NAME is required": name the option it did not know.
    auto left = app.remaining(true);
    if (!left.empty() && !left.front().empty() && left.front().front() == '-')
      report(Severity::kError, fmt::format("unknown option '{}'", left.front()),
             "run 'vfg --help' (or 'vfg COMMAND --help') for the options");
    else
      report(Severity::kError, e.what(), "run 'vfg --help' for the list of commands and options");
    return 2;
  }
  return context.exit_code;
}

}  // namespace vfg::cli
