// Every subcommand given bad input — unknown commands and options, missing,
// empty or malformed names, VMs that do not exist or whose definition is not
// a file, values out of range, a --root that is not a host — must answer with
// one clear message and exit status 2, and never do anything.
#include <filesystem>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;

struct BadInput {
  std::vector<std::string> args;  ///< "{home}" is replaced by the test's home directory
  std::string message;            ///< a part of stderr that says what is wrong
  int exit_code = 2;
};

// Printed by gtest in the test's name and on failure.
void PrintTo(const BadInput& input, std::ostream* out) {
  *out << "vfg";
  for (const auto& arg : input.args) *out << " '" << arg << "'";
}

class BadInputTable : public ::testing::TestWithParam<BadInput> {
 protected:
  void SetUp() override {
    home_.write("config/vfg/defined.toml", "os = \"linux\"\n[memory]\nsize = \"1G\"\n");
    home_.symlink("config/vfg/dangling.toml", (home_ / "gone.toml").string());
    ASSERT_EQ(::mkfifo((home_ / "config/vfg/fifo.toml").c_str(), 0600), 0);
    home_.mkdir("run");
    home_.mkdir("empty-root");
  }

  testing::VfgRun run(std::vector<std::string> args) const {
    for (auto& arg : args) {
      auto at = arg.find("{home}");
      if (at != std::string::npos) arg.replace(at, 6, home_.path().string());
    }
    // EDITOR fails loudly: an editor opened for bad input would show in the output.
    return testing::run_vfg(args, {{"HOME", home_.path().string()},
                                   {"XDG_CONFIG_HOME", (home_ / "config").string()},
                                   {"XDG_DATA_HOME", (home_ / "data").string()},
                                   {"XDG_RUNTIME_DIR", (home_ / "run").string()},
                                   {"EDITOR", "sh -c 'echo EDITOR-OPENED; exit 1'"}});
  }

  testing::TempDir home_;
};

TEST_P(BadInputTable, SaysWhatIsWrongAndExitsTwo) {
  const BadInput& input = GetParam();
  auto result = run(input.args);
  EXPECT_EQ(result.exit_code, input.exit_code) << result.err;
  EXPECT_NE(result.err.find(input.message), std::string::npos)
      << "expected '" << input.message << "' in:\n"
      << result.err;
  EXPECT_EQ(result.out.find("EDITOR-OPENED"), std::string::npos) << result.out;
  EXPECT_FALSE(fs::exists(home_ / "data")) << "bad input created VM data";
}

const std::vector<std::string> kNamedCommands = {"start", "stop", "args", "edit", "connect"};

std::vector<BadInput> bad_inputs() {
  std::vector<BadInput> table = {
      {{"frob"}, "'frob' is not a vfg command"},
      {{"--root", "/nonexistent-vfg-root", "devices"},
       "--root '/nonexistent-vfg-root' does not exist"},
      {{"--root", "{home}/empty-root", "devices"}, "does not look like a host"},
      {{"new", "demo.toml"}, "VM name 'demo.toml' ends in .toml; the name is 'demo'"},
      {{"new", ""}, "a VM name cannot be empty"},
      {{"new", "x", "--os", "bsd"}, "--os: bsd not in {windows,linux,other}"},
      {{"status", "nope"}, "no VM named 'nope'"},
      {{"check", "nope"}, "no VM named 'nope'"},
      {{"setup", "--user", ""}, "--user cannot be empty"},
      {{"setup", "--msrs", "maybe"}, "--msrs: maybe not in {ignore,fault}"},
      {{"devices", "frob"}, "FAMILY: frob not in {gpu,usb,input,disks,cpu}"},
      {{"devices", "usb", "--watch", "--timeout", "nan"}, "'nan' is not a number of 0 or more"},
      {{"devices", "usb", "--watch", "--timeout", "-1"}, "'-1' is not a number of 0 or more"},
      {{"stop", "defined", "--timeout", "-5"}, "--timeout"},
      // A VM asked for by a wrong name is not "not running": say what exists.
      {{"stop", "nope"}, "create it with 'vfg new nope', or list the defined VMs with 'vfg list'"},
      // Sizes no guest can have: the option, the range, and the host's RAM.
      {{"new", "x", "--memory", "99999T"}, "--memory 99999T is out of range: give 128M to "},
      {{"new", "x", "--memory", "64K"}, "--memory 64K is out of range: give 128M to "},
      {{"new", "x", "--memory", "0"}, "--memory 0 is out of range: give 128M to "},
      {{"new", "x", "--memory", "99999999999999999999T"},
       "--memory '99999999999999999999T' is not a size such as 16G or 12288M"},
      {{"new", "x", "--memory", "1048577K"}, "--memory 1048577K is not a whole number of MiB"},
  };
  for (const auto& command : kNamedCommands) {
    table.push_back({{command}, "NAME is required"});
    table.push_back({{command, "--bogus-flag"}, "unknown option '--bogus-flag'"});
    table.push_back({{command, ""}, "a VM name cannot be empty"});
    table.push_back({{command, "nope"}, "no VM named 'nope'"});
    table.push_back({{command, "v\xc3\xa9m"}, "VM name 'v\xc3\xa9m' contains '\xc3\xa9'"});
    table.push_back({{command, "a/b"}, "VM name 'a/b' contains '/'"});
  }
  // NAME may be left out here (every VM), but not given empty.
  for (const auto& command : {"status", "check"})
    table.push_back({{command, ""}, "a VM name cannot be empty"});
  for (const auto& command : {"status", "list", "check", "setup", "devices", "snapshot", "new"})
    table.push_back({{command, "--bogus-flag"}, "unknown option '--bogus-flag'"});
  // A definition that is not a file it can read, for the commands that load one.
  for (const auto& command : {"start", "args", "check"}) {
    table.push_back({{command, "dangling"}, "is a symlink to '"});
    table.push_back({{command, "fifo"}, "is not a regular file; a VM definition is a TOML file"});
  }
  return table;
}

INSTANTIATE_TEST_SUITE_P(EveryCommand, BadInputTable, ::testing::ValuesIn(bad_inputs()));

}  // namespace
}  // namespace vfg
