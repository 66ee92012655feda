// The definitions `vfg new` writes on the fixture hosts, compared with the
// committed files under tests/fixtures/new/ (VFG_UPDATE_GOLDEN=1 rewrites them).
#include <cstdlib>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"

namespace vfg {
namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

struct NewCase {
  std::string host;
  std::vector<std::string> args;
};

class NewGolden : public ::testing::TestWithParam<NewCase> {};

TEST_P(NewGolden, DefinitionMatchesTheCommittedFile) {
  const NewCase& param = GetParam();
  testing::TempDir home;
  std::vector<std::pair<std::string, std::string>> env = {
      {"HOME", home.path().string()},
      {"XDG_CONFIG_HOME", (home / "config").string()},
      {"XDG_DATA_HOME", (home / "data").string()},
      {"XDG_RUNTIME_DIR", (home / "run").string()}};
  std::vector<std::string> argv = {
      "--root", testing::source_path("tests/fixtures/hosts/" + param.host), "new", "vm"};
  for (const auto& arg : param.args)
    argv.push_back(arg == "ISO" ? home.write("Win11.iso", "iso").string() : arg);
  auto run = testing::run_vfg(argv, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The temporary home differs per run; the golden file says $HOME.
  std::string text = replace_all(home.read("config/vfg/vm.toml"), home.path().string(), "$HOME");
  std::string golden = testing::source_path("tests/fixtures/new/" + param.host + ".toml");
  if (std::getenv("VFG_UPDATE_GOLDEN") != nullptr) {
    ASSERT_TRUE(write_file_atomic(golden, text)) << golden;
  }
  EXPECT_EQ(text, read_file(golden).value_or("(missing " + golden + ")"));
}

INSTANTIATE_TEST_SUITE_P(
    Hosts, NewGolden,
    ::testing::Values(NewCase{"intel-igpu-nvidia",
                              {"--iso", "ISO", "--usb", "1-3.1", "--disk", "80G"}},
                      NewCase{"server-bmc", {}}, NewCase{"amd-navi", {"--os", "linux"}},
                      NewCase{"intel-arc", {"--iso", "ISO", "--looking-glass"}},
                      NewCase{"two-identical-gpus", {"--gpu", "none", "--memory", "8G"}}),
    [](const ::testing::TestParamInfo<NewCase>& case_info) {
      std::string name = case_info.param.host;
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

}  // namespace
}  // namespace vfg
