// The subcommand table's types. Each subcommand lives in its own file in this
// folder and provides one `add_*_command` function that main.cc lists.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "host/host_root.h"
#include "util/result.h"

namespace CLI {
class App;
}

namespace vfg::cli {

/// Options every subcommand accepts.
struct GlobalOptions {
  /// A fixture tree or unpacked snapshot to read instead of the running system.
  std::string root;
};

/// State shared while the command line is parsed and the chosen subcommand runs.
struct Context {
  GlobalOptions global;
  /// The process exit status the subcommand chose.
  int exit_code = 0;

  /// The host the command reads, from --root.
  [[nodiscard]] Result<HostRoot> host() const;
};

/// One row of the subcommand table.
struct Command {
  std::string_view name;
  /// Defines the subcommand on `app` and sets the callback that runs it.
  void (*add)(CLI::App& app, Context& context);
};

/// Parses argv, runs the chosen subcommand and returns the exit status.
int run(std::span<const Command> commands, int argc, char** argv);

/// Prints `error` as "vfg: error: ..." and returns the exit status for failures.
int report_failure(const Error& error, std::string_view hint = {});

}  // namespace vfg::cli
