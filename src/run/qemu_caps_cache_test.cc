#include "run/qemu_caps_cache.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;

// The real QEMU behind a script in a prefix of the test's own, so the test
// counts the runs and changes the "installation" without touching the host's.
class QemuCapsCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto real = find_program("qemu-system-x86_64");
    ASSERT_TRUE(real) << "qemu-system-x86_64 is not installed (scripts/install-deps.sh)";
    prefix_.write("bin/qemu-system-x86_64",
                  fmt::format("#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
                              (prefix_ / "runs.log").string(), *real));
    fs::permissions(prefix_ / "bin/qemu-system-x86_64", fs::perms::owner_all);
    prefix_.mkdir("lib/x86_64-linux-gnu/qemu");
  }

  [[nodiscard]] long runs() const {
    std::string log = read_file(prefix_ / "runs.log").value_or("");
    return std::count(log.begin(), log.end(), '\n');
  }

  Result<QemuCapabilities> probe() const {
    return probe_qemu_cached(prefix_ / "run/qemu-capabilities.json",
                             (prefix_ / "bin/qemu-system-x86_64").string());
  }

  testing::TempDir prefix_;
};

TEST_F(QemuCapsCacheTest, AnswersFromTheFileWhileTheInstallationIsUnchanged) {
  auto first = probe();
  ASSERT_TRUE(first) << first.error().message;
  // -version, -machine help, -audiodev help, -device help, -help, -object help,
  // -name guest=vfg-probe,help, -spice help
  EXPECT_EQ(runs(), 8);
  EXPECT_TRUE(fs::exists(prefix_ / "run/qemu-capabilities.json"));
  auto second = probe();
  ASSERT_TRUE(second);
  EXPECT_EQ(runs(), 8);
  EXPECT_EQ(second->q35_machine, first->q35_machine);
  EXPECT_EQ(second->audio_drivers, first->audio_drivers);
}

// Installing a module package (Debian's qemu-system-gui brings the PulseAudio
// driver) changes what QEMU can do without touching the binary.
TEST_F(QemuCapsCacheTest, ProbesAgainWhenAModuleArrives) {
  ASSERT_TRUE(probe());
  ASSERT_EQ(runs(), 8);
  prefix_.write("lib/x86_64-linux-gnu/qemu/audio-pa.so", "");
  ASSERT_TRUE(probe());
  EXPECT_EQ(runs(), 16);
  ASSERT_TRUE(probe());
  EXPECT_EQ(runs(), 16);
}

TEST_F(QemuCapsCacheTest, ProbesAgainWhenTheBinaryChanges) {
  ASSERT_TRUE(probe());
  ASSERT_EQ(runs(), 8);
  // An upgrade replaces the binary: another size (and mtime).
  std::string script = prefix_.read("bin/qemu-system-x86_64") + "# upgraded\n";
  prefix_.write("bin/qemu-system-x86_64", script);
  ASSERT_TRUE(probe());
  EXPECT_EQ(runs(), 16);
}

// A damaged cache file is not an error: it is probed again and rewritten.
TEST_F(QemuCapsCacheTest, ADamagedFileIsProbedAgain) {
  prefix_.write("run/qemu-capabilities.json", "{\"key\": 3, \"caps\": [");
  auto caps = probe();
  ASSERT_TRUE(caps) << caps.error().message;
  EXPECT_EQ(runs(), 8);
  ASSERT_TRUE(probe());
  EXPECT_EQ(runs(), 8);
}

}  // namespace
}  // namespace vfg
