// The command line as data, read back from the CLI11 table that main.cc
// builds: the shell completions and the man page are generated from it, so a
// new subcommand or flag appears in both without editing them.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace vfg::cli {

/// What a value on the command line is, so a completion can offer candidates.
enum class ValueKind {
  kNone,    ///< a flag: takes no value
  kChoice,  ///< one of `choices`
  kVm,      ///< a VM name (`vfg list`)
  kGpu,     ///< a GPU's PCI address (`vfg devices gpu`)
  kUsb,     ///< a USB port (`vfg devices usb`)
  kDir,     ///< a directory
  kFile,    ///< a file
  kText,    ///< anything else (numbers, sizes): nothing to offer
};

struct CliOption {
  /// "--json"; positionals have none.
  std::string long_name;
  /// "-h", or empty.
  std::string short_name;
  /// A positional's name ("NAME") or the option's value name ("DIR").
  std::string value_name;
  std::string description;
  ValueKind kind = ValueKind::kNone;
  std::vector<std::string> choices;
  /// May be given more than once (options) or take several words (positionals).
  bool repeats = false;
  bool required = false;
};

struct CliCommand {
  std::string name;
  std::string description;
  /// Flags and options, in the order they were added.
  std::vector<CliOption> options;
  std::vector<CliOption> positionals;
};

struct CliModel {
  std::string description;
  std::string version;
  /// The options before the subcommand (--root, --help, --version).
  std::vector<CliOption> global_options;
  /// The subcommands `vfg --help` lists; hidden ones are left out.
  std::vector<CliCommand> commands;
};

/// Reads the model from the parser's table.
CliModel read_cli_model(const CLI::App& app, std::string version);

/// The helper a completion calls for candidates of `kind` ("vms", "gpus",
/// "usb-ports"); empty for kinds the shell completes itself.
std::string value_source(ValueKind kind);

}  // namespace vfg::cli
