#include "cli/man_page.h"

#include <cstdint>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace vfg::cli {

namespace {

// Text for roff: backslashes and hyphens escaped, other than ASCII as \[uXXXX],
// no line starting a request.
std::string roff(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // A UTF-8 sequence: its lead byte says how many continuation bytes follow.
      int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
      uint32_t code = c & (0x3F >> extra);
      for (int k = 0; k < extra && i + 1 < text.size(); ++k)
        code = (code << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F);
      out += fmt::format("\\[u{:04X}]", code);
    }
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

// "vfg — GPU passthrough ..." without the leading name, for NAME's "vfg \- ...".
std::string summary(const std::string& description) {
  const std::string dash = " — ";
  auto at = description.find(dash);
  return at == std::string::npos ? description : description.substr(at + dash.size());
}

std::string option_item(const CliOption& option) {
  std::string names;
  if (!option.short_name.empty()) names = "\\fB" + roff(option.short_name) + "\\fR, ";
  names += "\\fB" + roff(option.long_name) + "\\fR";
  if (option.kind != ValueKind::kNone) {
    std::string value = option.kind == ValueKind::kChoice
                            ? [&option] {
                                std::string list;
                                for (const auto& c : option.choices) list += (list.empty() ? "" : "|") + c;
                                return list;
                              }()
                            : option.value_name;
    names += " \\fI" + roff(value) + "\\fR";
  }
  return fmt::format(".TP\n{}\n{}\n", names, roff(option.description));
}

std::string synopsis(const CliCommand& command) {
  std::string line = ".B vfg " + roff(command.name) + "\n";
  for (const auto& positional : command.positionals) {
    std::string name =
        "\\fI" + roff(positional.value_name) + "\\fR" + (positional.repeats ? "..." : "");
    line += (positional.required ? name : "[" + name + "]") + "\n";
  }
  if (!command.options.empty()) line += "[\\fIOPTIONS\\fR]\n";
  return line;
}

}  // namespace

std::string man_page(const CliModel& model) {
  std::string page = fmt::format(
      ".TH VFG 1 \"\" \"vfg {0}\" \"User Commands\"\n"
      ".SH NAME\nvfg \\- {1}\n"
      ".SH SYNOPSIS\n.B vfg\n[\\fB\\-\\-root\\fR \\fIDIR\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
      ".SH DESCRIPTION\n"
      "\\fBvfg\\fR prepares a Linux host for GPU passthrough (VFIO) and runs a VM with the GPU "
      "passed through, with plain QEMU and without root once the host is set up. It lists the "
      "devices, writes the host files passthrough needs (and takes them back), checks that "
      "everything is in place, and starts, supervises and stops the VM.\n"
      ".PP\nEach command prints its own help with \\fB\\-\\-help\\fR.\n"
      ".SH OPTIONS\n",
      roff(model.version), roff(summary(model.description)));
  for (const auto& option : model.global_options) page += option_item(option);
  page += ".SH COMMANDS\n";
  for (const auto& command : model.commands) {
    page += fmt::format(".SS {}\n{}.PP\n{}\n", roff(command.name), synopsis(command),
                        roff(command.description));
    for (const auto& positional : command.positionals)
      page += fmt::format(".TP\n\\fI{}\\fR\n{}\n", roff(positional.value_name),
                          roff(positional.description));
    for (const auto& option : command.options) page += option_item(option);
  }
  page +=
      ".SH FILES\n"
      ".TP\n\\fI$XDG_CONFIG_HOME/vfg/NAME.toml\\fR\n"
      "A VM definition (default \\fI~/.config/vfg/\\fR), written by \\fBvfg new\\fR.\n"
      ".TP\n\\fI$XDG_DATA_HOME/vfg/NAME/\\fR\n"
      "The VM's disk image, firmware variables and TPM state.\n"
      ".SH EXIT STATUS\n"
      "0 on success; 1 when \\fBvfg check\\fR finds warnings only, or a watch ends before its "
      "count; 2 when a check fails, for errors and for bad arguments.\n"
      ".SH SEE ALSO\n"
      "\\fBqemu\\-system\\-x86_64\\fR(1), \\fBswtpm\\fR(8); the guides in "
      "\\fI/usr/share/doc/vfg/\\fR.\n";
  return page;
}

void add_man_command(CLI::App& app, Context& /*context*/) {
  CLI::App* command = app.add_subcommand("man", "Print vfg(1) as roff");
  command->group("");
  command->callback([&app] { fmt::print("{}", man_page(read_cli_model(app, VFG_VERSION))); });
}

}  // namespace vfg::cli
