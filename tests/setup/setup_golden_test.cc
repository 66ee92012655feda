// Golden tests: what `vfg setup` prints (the plan as unified diffs plus commands,
// --json, and an --apply/--status/--undo session) on each distribution tree.
// VFG_UPDATE_GOLDEN=1 rewrites the expected files after a deliberate change.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/setup_tree.h"

namespace vfg {
namespace {

using testing::run_vfg;
using testing::source_path;

struct Case {
  std::string distro;
  std::string hardware;
  std::vector<std::string> args;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.distro; }

const Case kCases[] = {
    {"arch-grub", "intel-igpu-nvidia", {source_path("tests/fixtures/configs/win11.toml")}},
    {"arch-systemd-boot", "nvidia-turing", {"--gpu", "0a:00.0"}},
    {"endeavouros-uki", "two-identical-gpus", {"--gpu", "0000:0b:00.0", "--memlock-unlimited"}},
    {"fedora-grubby", "intel-igpu-nvidia", {"--gpu", "0000:01:00.0", "--msrs", "fault"}},
    {"ubuntu-grub", "two-identical-gpus", {"--gpu", "0000:0b:00.0"}},
    {"popos-kernelstub", "intel-igpu-nvidia", {source_path("tests/fixtures/configs/win11.toml")}},
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void compare_golden(const std::string& name, const std::string& actual) {
  std::string golden = source_path("tests/fixtures/golden/setup/" + name);
  const char* update = std::getenv("VFG_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden) << actual;
    return;
  }
  std::string expected = read_text(golden);
  ASSERT_FALSE(expected.empty()) << golden << " is missing; run with VFG_UPDATE_GOLDEN=1";
  EXPECT_EQ(expected, actual) << "differs from " << golden;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::vector<std::string> setup_args(const testing::ScratchDir& dir, const Case& c,
                                    std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--root", dir.path().string(), "setup", "--user", "alice"};
  args.insert(args.end(), c.args.begin(), c.args.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

class SetupGolden : public ::testing::TestWithParam<Case> {};

TEST_P(SetupGolden, Plan) {
  testing::ScratchDir dir;
  testing::compose_host(dir, GetParam().distro, GetParam().hardware);
  auto run = run_vfg(setup_args(dir, GetParam()));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  compare_golden(GetParam().distro + ".txt", run.out);
}

TEST_P(SetupGolden, PlanJson) {
  testing::ScratchDir dir;
  testing::compose_host(dir, GetParam().distro, GetParam().hardware);
  auto run = run_vfg(setup_args(dir, GetParam(), {"--json"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  compare_golden(GetParam().distro + ".json", run.out);
}

// The whole life cycle through the binary: apply, apply again, status, undo.
TEST_P(SetupGolden, ApplyStatusUndo) {
  testing::ScratchDir dir;
  testing::compose_host(dir, GetParam().distro, GetParam().hardware);
  auto before = testing::snapshot(dir.path());
  std::string transcript;
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"--apply"}, {"--apply"}, {"--status"}, {"--undo"}, {"--undo"}}) {
    auto run = run_vfg(setup_args(dir, GetParam(), step));
    transcript += "$ vfg setup " + step[0] + "\n" + run.out + run.err + "[exit " +
                  std::to_string(run.exit_code) + "]\n";
  }
  compare_golden(GetParam().distro + ".session.txt",
                 replace_all(transcript, dir.path().string(), "ROOT"));
  EXPECT_EQ(testing::snapshot_difference(testing::snapshot(dir.path()), before), "");
}

INSTANTIATE_TEST_SUITE_P(Distros, SetupGolden, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) {
                           std::string name = param_info.param.distro;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace vfg
