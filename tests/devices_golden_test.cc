// Golden tests: `vfg devices` (tree and JSON) over every fixture machine.
// VFG_UPDATE_GOLDEN=1 rewrites the expected files after a deliberate change.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/run_vfg.h"

namespace vfg {
namespace {

using testing::run_vfg;
using testing::source_path;

class DevicesGoldenTest : public ::testing::TestWithParam<std::string> {};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void compare_golden(const std::string& golden, const std::string& actual) {
  const char* update = std::getenv("VFG_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden) << actual;
    return;
  }
  std::string expected = read_text(golden);
  ASSERT_FALSE(expected.empty()) << golden << " is missing; run with VFG_UPDATE_GOLDEN=1";
  EXPECT_EQ(expected, actual) << "differs from " << golden;
}

TEST_P(DevicesGoldenTest, Tree) {
  auto run = run_vfg({"--root", source_path("tests/fixtures/hosts/" + GetParam()), "devices"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  compare_golden(source_path("tests/fixtures/golden/" + GetParam() + ".txt"), run.out);
}

TEST_P(DevicesGoldenTest, Json) {
  auto run =
      run_vfg({"--root", source_path("tests/fixtures/hosts/" + GetParam()), "devices", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  compare_golden(source_path("tests/fixtures/golden/" + GetParam() + ".json"), run.out);
}

// The committed snapshot of a real machine reads the same packed as unpacked.
TEST(DevicesSnapshotTest, PackedSnapshotMatchesItsTree) {
  auto run = run_vfg(
      {"--root", source_path("tests/fixtures/snapshots/this-machine.tar.gz"), "devices", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  compare_golden(source_path("tests/fixtures/golden/this-machine.json"), run.out);
}

INSTANTIATE_TEST_SUITE_P(Hosts, DevicesGoldenTest,
                         ::testing::Values("intel-igpu-nvidia", "nvidia-turing", "amd-navi",
                                           "intel-arc", "amd-apu-dgpu", "hybrid-laptop",
                                           "two-identical-gpus", "chipset-group", "vmd",
                                           "server-bmc", "this-machine"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace vfg
