// The generated completions and man page against `vfg --help`: every
// subcommand and flag the help lists appears in each of them, under its own
// command. The bash completion runs for real in bash, with bash-completion's
// helpers loaded as they are for an installed script.
#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/process.h"

namespace vfg {
namespace {

using testing::run_vfg;
using testing::source_path;
using testing::TempDir;

struct HelpCommand {
  std::string name;
  std::vector<std::string> flags;
};

// The flags in the option column of a CLI11 help text ("  -h,--help   Print ...").
std::vector<std::string> help_flags(const std::string& help) {
  std::vector<std::string> flags;
  std::istringstream lines(help);
  std::string line;
  static const std::regex kFlag("(^|,)(--?[a-z][a-z0-9-]*)");
  while (std::getline(lines, line)) {
    if (line.rfind("  -", 0) != 0) continue;
    std::string column = line.substr(2, line.find("  ", 2) - 2);
    column = column.substr(0, column.find(' '));
    for (std::sregex_iterator it(column.begin(), column.end(), kFlag), end; it != end; ++it)
      flags.push_back((*it)[2]);
  }
  return flags;
}

// The subcommands `vfg --help` lists, each with the flags of `vfg NAME --help`.
std::vector<HelpCommand> help_commands() {
  auto top = run_vfg({"--help"});
  EXPECT_EQ(top.exit_code, 0) << top.err;
  std::vector<HelpCommand> commands;
  auto at = top.out.find("Subcommands:");
  EXPECT_NE(at, std::string::npos) << top.out;
  if (at == std::string::npos) return commands;
  std::istringstream lines(top.out.substr(at));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (line.rfind("  ", 0) != 0) continue;
    std::istringstream words(line);
    HelpCommand command;
    words >> command.name;
    auto help = run_vfg({command.name, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command.name << ": " << help.err;
    command.flags = help_flags(help.out);
    commands.push_back(command);
  }
  return commands;
}

std::string generated(const std::string& file) {
  std::ifstream in(std::string(VFG_GENERATED_DIR) + "/" + file);
  EXPECT_TRUE(in) << file << " was not generated";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text from `begin` up to `end` (exclusive); empty when `begin` is absent.
std::string section(const std::string& text, const std::string& begin, const std::string& end) {
  auto start = text.find(begin);
  if (start == std::string::npos) return "";
  auto stop = text.find(end, start + begin.size());
  return text.substr(start, stop == std::string::npos ? std::string::npos : stop - start);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(CompletionTest, HelpListsTheCommandsThisTestExpects) {
  auto commands = help_commands();
  std::vector<std::string> names;
  for (const auto& command : commands) names.push_back(command.name);
  for (const char* name : {"check", "devices", "setup", "start", "completion"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  // Hidden helpers stay out of --help, and so out of the completions.
  EXPECT_EQ(std::find(names.begin(), names.end(), "__complete"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "man"), names.end());
  for (const auto& command : commands) EXPECT_FALSE(command.flags.empty()) << command.name;
}

TEST(CompletionTest, EveryCommandAndFlagIsInEachCompletionAndTheManPage) {
  std::string bash = generated("vfg.bash");
  std::string zsh = generated("_vfg");
  std::string fish = generated("vfg.fish");
  std::string man = generated("vfg.1");
  std::string man_plain = std::regex_replace(man, std::regex(R"(\\-)"), "-");
  auto commands = help_commands();
  ASSERT_FALSE(commands.empty());
  for (const auto& command : commands) {
    SCOPED_TRACE(command.name);
    std::string bash_arm = section(bash, "\n    " + command.name + ")\n", "\n      ;;\n");
    std::string zsh_arm = section(zsh, "\n        " + command.name + ")\n", " ;;\n");
    std::string man_part = section(man_plain, ".SS " + command.name + "\n", ".SS ");
    // The words offered for "-" in this command's arm: "_vfg_words '--help -h --json'".
    std::string bash_words = section(bash_arm, "== -* ]]; then _vfg_words '", "'") + " ";
    std::replace(bash_words.begin(), bash_words.end(), '\'', ' ');
    std::string fish_lines;
    std::istringstream fish_in(fish);
    for (std::string line; std::getline(fish_in, line);)
      if (contains(line, "'__fish_seen_subcommand_from " + command.name + "'"))
        fish_lines += line + "\n";
    EXPECT_FALSE(bash_arm.empty());
    EXPECT_FALSE(zsh_arm.empty());
    EXPECT_FALSE(man_part.empty());
    EXPECT_TRUE(contains(fish, " -a " + command.name + " -d "));
    EXPECT_TRUE(contains(zsh, "'" + command.name + ":"));
    for (const auto& flag : command.flags) {
      SCOPED_TRACE(flag);
      bool is_long = flag.rfind("--", 0) == 0;
      std::string bare = flag.substr(is_long ? 2 : 1);
      EXPECT_TRUE(contains(bash_words, " " + flag + " ")) << bash_arm;
      EXPECT_TRUE(contains(zsh_arm, flag + (is_long ? "" : ","))) << zsh_arm;
      EXPECT_TRUE(contains(fish_lines, (is_long ? " -l " : " -s ") + bare)) << fish_lines;
      EXPECT_TRUE(contains(man_part, "\\fB" + flag + "\\fR")) << man_part;
    }
  }
  auto top = run_vfg({"--help"});
  for (const auto& flag : help_flags(top.out)) {
    SCOPED_TRACE(flag);
    EXPECT_TRUE(
        contains(man_plain.substr(0, man_plain.find(".SH COMMANDS")), "\\fB" + flag + "\\fR"));
    EXPECT_TRUE(contains(bash, flag));
    EXPECT_TRUE(contains(zsh, flag));
    EXPECT_TRUE(
        contains(fish, flag.rfind("--", 0) == 0 ? "-l " + flag.substr(2) : "-s " + flag.substr(1)));
  }
}

TEST(CompletionTest, GeneratedFilesAreWhatTheBinaryPrints) {
  EXPECT_EQ(generated("vfg.bash"), run_vfg({"completion", "bash"}).out);
  EXPECT_EQ(generated("_vfg"), run_vfg({"completion", "zsh"}).out);
  EXPECT_EQ(generated("vfg.fish"), run_vfg({"completion", "fish"}).out);
  EXPECT_EQ(generated("vfg.1"), run_vfg({"man"}).out);
}

// Each shell parses its script (zsh and fish without running it).
TEST(CompletionTest, EachShellAcceptsItsScript) {
  for (const auto& [shell, file] : std::vector<std::pair<std::string, std::string>>{
           {"bash", "vfg.bash"}, {"zsh", "_vfg"}, {"fish", "vfg.fish"}}) {
    auto path = std::string(VFG_GENERATED_DIR) + "/" + file;
    auto checked = run_command({shell, "-n", path});
    ASSERT_TRUE(checked) << checked.error().message;
    EXPECT_EQ(checked->status.code, 0) << shell << ": " << checked->err;
  }
  auto lint = run_command({"sh", "-c", "groff -man -Tutf8 -ww -z \"$0\" 2>&1",
                           std::string(VFG_GENERATED_DIR) + "/vfg.1"});
  ASSERT_TRUE(lint) << lint.error().message;
  EXPECT_EQ(lint->out, "");
}

// Completes `words` (the last one being typed) in a bash with bash-completion
// and the generated script loaded, the way bash calls the function `complete`
// registered, and returns COMPREPLY.
std::vector<std::string> complete_in_bash(
    const std::vector<std::string>& words,
    const std::vector<std::pair<std::string, std::string>>& env = {}) {
  std::string line;
  std::string array;
  for (const auto& word : words) {
    line += (line.empty() || word == ":" || line.back() == ':' ? "" : " ") + word;
    array += " '" + word + "'";
  }
  std::string script =
      "source /usr/share/bash-completion/bash_completion\n"
      "source \"$VFG_SCRIPT\"\n"
      "spec=$(complete -p vfg) || exit 3\n"
      "function=${spec#*-F }; function=${function%% *}\n"
      "COMP_WORDS=(" +
      array +
      ")\n"
      "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
      "COMP_LINE='" +
      line +
      "'\n"
      "COMP_POINT=${#COMP_LINE}\n"
      "\"$function\" vfg \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD - 1]}\"\n"
      "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  SpawnOptions options;
  options.argv = {"bash", "--norc", "--noprofile", "-c", script};
  std::string binary_dir = std::filesystem::path(VFG_BINARY).parent_path().string();
  options.env.emplace_back("PATH", binary_dir + ":" + (getenv("PATH") ? getenv("PATH") : ""));
  options.env.emplace_back("VFG_SCRIPT", std::string(VFG_GENERATED_DIR) + "/vfg.bash");
  for (const auto& pair : env) options.env.push_back(pair);
  auto output = run_command(std::move(options), std::chrono::seconds(60));
  EXPECT_TRUE(output) << output.error().message;
  if (!output) return {};
  EXPECT_EQ(output->status.code, 0) << output->err;
  std::vector<std::string> replies;
  std::istringstream lines(output->out);
  std::string reply;
  while (std::getline(lines, reply))
    if (!reply.empty()) replies.push_back(reply);
  std::sort(replies.begin(), replies.end());
  return replies;
}

using Replies = std::vector<std::string>;

TEST(BashCompletionTest, CompletesSubcommandsAndTheirFlags) {
  EXPECT_EQ(complete_in_bash({"vfg", "de"}), Replies{"devices"});
  EXPECT_EQ(complete_in_bash({"vfg", "--root", "/tmp", "sta"}), (Replies{"start", "status"}));
  EXPECT_EQ(complete_in_bash({"vfg", "start", "--no"}), Replies{"--no-check"});
  EXPECT_EQ(complete_in_bash({"vfg", "devices", ""}),
            (Replies{"cpu", "disks", "gpu", "input", "usb"}));
  EXPECT_EQ(complete_in_bash({"vfg", "completion", ""}), (Replies{"bash", "fish", "zsh"}));
  EXPECT_EQ(complete_in_bash({"vfg", "setup", "--msrs", ""}), (Replies{"fault", "ignore"}));
}

TEST(BashCompletionTest, CompletesVmNamesFromTheDefinitions) {
  TempDir home;
  home.write("config/vfg/win11.toml", "");
  home.write("config/vfg/work.toml", "");
  home.write("config/vfg/notes.txt", "");
  std::vector<std::pair<std::string, std::string>> env{
      {"XDG_CONFIG_HOME", (home / "config").string()}};
  EXPECT_EQ(complete_in_bash({"vfg", "start", ""}, env), (Replies{"win11", "work"}));
  EXPECT_EQ(complete_in_bash({"vfg", "stop", "--timeout", "5", "wi"}, env), Replies{"win11"});
}

TEST(BashCompletionTest, CompletesGpuAddressesAndUsbPortsOfTheRootOnTheLine) {
  std::string tree = source_path("tests/fixtures/hosts/intel-igpu-nvidia");
  auto devices = run_vfg({"--root", tree, "devices", "gpu", "--json"});
  ASSERT_EQ(devices.exit_code, 0) << devices.err;
  Replies gpus;
  auto doc = nlohmann::json::parse(devices.out);
  for (const auto& gpu : doc["gpus"]) gpus.push_back(gpu["gpu"].get<std::string>());
  std::sort(gpus.begin(), gpus.end());
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(complete_in_bash({"vfg", "--root", tree, "new", "x", "--gpu", ""}), gpus);
  // Typed up to a colon, bash splits the word; the replies continue it.
  // "0000:01" arrives as "0000" ":" "01"; the reply continues after the last colon.
  std::string domain = gpus[1].substr(0, gpus[1].find(':'));
  std::string bus = gpus[1].substr(domain.size() + 1, 2);
  ASSERT_NE(gpus[0].substr(0, domain.size() + 3), domain + ":" + bus) << "fixture changed";
  EXPECT_EQ(complete_in_bash({"vfg", "--root", tree, "setup", "--gpu", domain, ":", bus}),
            Replies{gpus[1].substr(domain.size() + 1)});

  auto usb = run_vfg({"--root", tree, "__complete", "usb-ports"});
  ASSERT_EQ(usb.exit_code, 0) << usb.err;
  ASSERT_FALSE(usb.out.empty());
  std::string first_port = usb.out.substr(0, usb.out.find('\n'));
  EXPECT_TRUE(std::regex_match(first_port, std::regex(R"(\d+-[\d.]+)"))) << first_port;
  auto ports = complete_in_bash({"vfg", "--root", tree, "new", "x", "--usb", ""});
  EXPECT_NE(std::find(ports.begin(), ports.end(), first_port), ports.end());
}

}  // namespace
}  // namespace vfg
