// A disk that is full or read-only under the VM definitions: the commands that
// write one say which file and why, keep what was there, and leave nothing
// half-made behind (no half definition, no firmware copy of a VM that was not
// written). The same for `vfg start` with its runtime directory or its log on
// the full disk. The disk is a small tmpfs the test mounts (root, as in CI).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/full_tmpfs.h"
#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;

class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(config_disk_.mounted()) << config_disk_.why_not(); }

  // The definitions live on the small disk, everything else in the home.
  testing::VfgRun vfg(std::vector<std::string> args, const std::string& editor = "false") const {
    args.insert(args.begin(), {"--root", testing::source_path("tests/fixtures/hosts/amd-navi")});
    return testing::run_vfg(args, {{"HOME", home_.path().string()},
                                   {"XDG_CONFIG_HOME", config_disk_.path().string()},
                                   {"XDG_DATA_HOME", (home_ / "data").string()},
                                   {"XDG_RUNTIME_DIR", (home_ / "run").string()},
                                   {"VISUAL", editor},
                                   {"EDITOR", editor}});
  }
  fs::path definition(const std::string& name) const {
    return config_disk_.path() / "vfg" / (name + ".toml");
  }
  // What is in the definitions folder (the filler is beside it).
  std::vector<std::string> definitions() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(config_disk_.path() / "vfg"))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  testing::TempDir home_;
  testing::FullTmpfs config_disk_;
};

TEST_F(FullDisk, NewSaysTheDiskIsFullAndLeavesNoOrphanFiles) {
  fs::create_directories(config_disk_.path() / "vfg");
  config_disk_.fill();
  auto full = vfg({"new", "win", "--gpu", "none"});
  EXPECT_EQ(full.exit_code, 2) << full.err;
  EXPECT_NE(full.err.find("'" + definition("win").string() + "': No space left on device"),
            std::string::npos)
      << full.err;
  EXPECT_NE(full.err.find("the file system is full"), std::string::npos) << full.err;
  EXPECT_TRUE(definitions().empty());
  // No disk image or firmware variables of a VM that does not exist, so that
  // the next try does not find them as an "earlier VM named 'win'".
  EXPECT_FALSE(fs::exists(home_ / "data/vfg/win")) << full.err;

  config_disk_.free();
  auto again = vfg({"new", "win", "--gpu", "none"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(fs::exists(definition("win")));
  EXPECT_TRUE(fs::exists(home_ / "data/vfg/win/OVMF_VARS.fd"));
}

TEST_F(FullDisk, NewOnAReadOnlyConfigLeavesNoOrphanFirmwareVariables) {
  config_disk_.make_read_only();
  auto refused = vfg({"new", "win", "--gpu", "none"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find((config_disk_.path() / "vfg").string()), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("Read-only file system"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(home_ / "data/vfg/win")) << refused.err;
}

TEST_F(FullDisk, EditKeepsTheDefinitionAndTheUsersVersion) {
  ASSERT_TRUE(make_directories(config_disk_.path() / "vfg"));
  const std::string original = "os = \"linux\"\n[memory]\nsize = \"1G\"\n";
  ASSERT_TRUE(write_file_atomic(definition("demo"), original));
  config_disk_.fill();
  // An editor that makes a valid change: the write back is what fails.
  auto editor = home_.write("editor", "#!/bin/sh\necho '# changed' >> \"$1\"\n");
  fs::permissions(editor, fs::perms::owner_all);
  auto edit = vfg({"edit", "demo"}, editor.string());
  EXPECT_EQ(edit.exit_code, 2) << edit.err;
  EXPECT_NE(edit.err.find("cannot write '" + definition("demo").string() + "'"), std::string::npos)
      << edit.err;
  EXPECT_NE(edit.err.find("the file system is full"), std::string::npos) << edit.err;
  EXPECT_NE(edit.err.find("your version is kept in"), std::string::npos) << edit.err;
  EXPECT_EQ(read_file(definition("demo")).value_or(""), original);
  EXPECT_EQ(definitions(), std::vector<std::string>{"demo.toml"});
}

// The demo VM (real QEMU, TCG), its definition and data in the home; the
// runtime directory or the log's folder on the small disk.
class FullDiskStart : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(disk_.mounted()) << disk_.why_not();
    ASSERT_TRUE(fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
        << "the test guest is missing; run scripts/build-guest.sh build/guest";
    auto text = read_file(testing::source_path("scripts/demo.toml.in"));
    ASSERT_TRUE(text);
    std::string definition = *text;
    for (size_t at; (at = definition.find("@GUEST_DIR@")) != std::string::npos;)
      definition.replace(at, 11, VFG_GUEST_DIR);
    home_.write("config/vfg/demo.toml", definition);
  }

  // A start that went ahead when it should not have leaves no QEMU behind.
  void TearDown() override { vfg({"stop", "demo", "--force"}); }

  testing::VfgRun vfg(const std::vector<std::string>& args) const {
    return testing::run_vfg(args, {{"XDG_CONFIG_HOME", (home_ / "config").string()},
                                   {"XDG_DATA_HOME", (home_ / "data").string()},
                                   {"XDG_RUNTIME_DIR", runtime_.string()},
                                   {"XDG_STATE_HOME", state_.string()}});
  }
  // Every file under the disk but the filler, with its size: what a start left there.
  std::vector<std::pair<std::string, uintmax_t>> files_on_disk() const {
    std::vector<std::pair<std::string, uintmax_t>> files;
    for (const auto& entry : fs::recursive_directory_iterator(disk_.path())) {
      if (entry.is_directory() || entry.path().filename() == testing::FullTmpfs::kFiller) continue;
      files.emplace_back(fs::relative(entry.path(), disk_.path()).string(),
                         entry.is_regular_file() ? entry.file_size() : 0);
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  testing::TempDir home_;
  testing::FullTmpfs disk_;
  fs::path runtime_ = home_ / "run";
  fs::path state_ = home_ / "state";
};

TEST_F(FullDiskStart, AFullRuntimeDirectoryIsNamedAndLeftAsItWas) {
  runtime_ = disk_.path();
  disk_.fill();
  auto full = vfg({"start", "demo"});
  EXPECT_EQ(full.exit_code, 2) << full.err;
  std::string lock = (disk_.path() / "vfg/demo/lock").string();
  EXPECT_NE(full.err.find("cannot start 'demo': cannot write '" + lock +
                          "': No space left on device; the file system is full"),
            std::string::npos)
      << full.err;
  EXPECT_NE(full.err.find("free some space, then try again"), std::string::npos) << full.err;
  // No lock, socket, record or pid file; no cache of QEMU's abilities either.
  EXPECT_EQ(files_on_disk(), (std::vector<std::pair<std::string, uintmax_t>>{}));
  EXPECT_FALSE(fs::exists(disk_.path() / "vfg/demo"));
  auto status = vfg({"status", "demo"});
  EXPECT_NE(status.out.find("demo: stopped"), std::string::npos) << status.out << status.err;

  disk_.free();
  auto again = vfg({"start", "demo"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(vfg({"stop", "demo", "--force"}).exit_code, 0);
}

TEST_F(FullDiskStart, AFullLogDiskIsNamedAndTheEarlierLogsAreKept) {
  state_ = disk_.path();
  fs::path logs = disk_.path() / "vfg/demo";
  fs::create_directories(logs);
  ASSERT_TRUE(write_file_atomic(logs / "qemu.log", "the last run\n"));
  ASSERT_TRUE(write_file_atomic(logs / "qemu.log.1", "the run before\n"));
  disk_.fill();
  auto full = vfg({"start", "demo"});
  EXPECT_EQ(full.exit_code, 2) << full.err;
  EXPECT_NE(full.err.find("cannot start 'demo': cannot write '" + (logs / "qemu.log").string() +
                          "': No space left on device; the file system is full"),
            std::string::npos)
      << full.err;
  // QEMU never ran with nowhere to write; both earlier runs' logs are as they were.
  EXPECT_EQ(full.err.find("QEMU exited"), std::string::npos) << full.err;
  EXPECT_EQ(read_file(logs / "qemu.log").value_or(""), "the last run\n");
  EXPECT_EQ(read_file(logs / "qemu.log.1").value_or(""), "the run before\n");
  EXPECT_EQ(files_on_disk(), (std::vector<std::pair<std::string, uintmax_t>>{
                                 {"vfg/demo/qemu.log", 13}, {"vfg/demo/qemu.log.1", 15}}));
  EXPECT_FALSE(fs::exists(home_ / "run/vfg/demo")) << "the runtime directory was not cleared";

  disk_.free();
  auto again = vfg({"start", "demo"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(logs / "qemu.log").value_or("").rfind("vfg: starting 'demo' on ", 0), 0u);
  EXPECT_EQ(read_file(logs / "qemu.log.1").value_or(""), "the last run\n");
  EXPECT_EQ(vfg({"stop", "demo", "--force"}).exit_code, 0);
}

}  // namespace
}  // namespace vfg
