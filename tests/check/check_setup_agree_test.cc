// `vfg check` and `vfg setup` agree: for every fixture VM, a user who writes
// exactly the files the check's fixes carry ends up with what `vfg setup`
// writes — the check no longer fails on those needs, and setup finds every
// one of those files in place. The locked-memory limit written is enough for
// the check once it is in effect (a new login, simulated by /proc/self/limits).
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/setup_tree.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run_vfg;
using testing::source_path;

std::vector<fs::path> fixture_vms() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(source_path("tests/fixtures/configs")))
    if (entry.path().extension() == ".toml") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// A machine where alice (uid 1000, in no device group) runs vfg with the
// kernel's default memlock limit, kvmfr loaded but root's, and a root-owned
// Looking Glass file in /dev/shm.
void prepare_host(const testing::ScratchDir& dir) {
  testing::compose_host(dir, "arch-grub", "intel-igpu-nvidia");
  write(dir / "proc/self/status",
        "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t1000\n");
  write(dir / "proc/self/limits", "Max locked memory  8388608  8388608  bytes\n");
  fs::create_directories(dir / "dev");
  std::string kvmfr = (dir / "dev/kvmfr0").string();
  ASSERT_EQ(::mknod(kvmfr.c_str(), S_IFCHR | 0600, makedev(242, 0)), 0) << std::strerror(errno);
  write(dir / "dev/shm/looking-glass", "");
  fs::permissions(dir / "dev/shm/looking-glass", fs::perms(0644));
}

json check(const testing::ScratchDir& dir, const testing::TempDir& config, const std::string& vm) {
  auto run = run_vfg({"--root", dir.path().string(), "check", vm, "--json"},
                     {{"XDG_CONFIG_HOME", config.path().string()}, {"SUDO_USER", ""}});
  EXPECT_TRUE(run.exit_code >= 0 && run.exit_code <= 2) << run.err;
  return json::parse(run.out, nullptr, false);
}

const json* finding(const json& report, const std::string& id) {
  for (const auto& item : report["findings"])
    if (item["id"] == id) return &item;
  return nullptr;
}

// The files the plan of `vfg setup` would write or change, with their new contents.
std::map<std::string, std::string> setup_pending(const testing::ScratchDir& dir,
                                                 const fs::path& vm) {
  auto run =
      run_vfg({"--root", dir.path().string(), "setup", "--user", "alice", vm.string(), "--json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::map<std::string, std::string> files;
  json plan = json::parse(run.out, nullptr, false);
  for (const auto& file : plan["files"])
    files[file["path"].get<std::string>()] = file["contents"].get<std::string>();
  return files;
}

class CheckSetupAgree : public ::testing::TestWithParam<fs::path> {};

TEST_P(CheckSetupAgree, FixFilesAreSetupsFiles) {
  const fs::path& toml = GetParam();
  const std::string name = toml.stem().string();
  testing::ScratchDir dir;
  testing::TempDir config;
  prepare_host(dir);
  config.write("vfg/" + name + ".toml", read_text(toml));

  json before = check(dir, config, name);
  ASSERT_TRUE(before.is_object());
  std::map<std::string, std::string> files;  // path → contents, from every fix
  std::vector<std::string> fixed;            // ids of findings whose fix carries files
  for (const auto& item : before["findings"]) {
    if (!item.contains("files")) continue;
    EXPECT_EQ(item["status"], "fail") << item.dump();
    fixed.push_back(item["id"].get<std::string>());
    for (const auto& file : item["files"]) {
      auto path = file["path"].get<std::string>();
      auto contents = file["contents"].get<std::string>();
      // The fix names setup's file: its path says so, and two fixes never disagree on it.
      EXPECT_NE(path.find("vfg"), std::string::npos) << path;
      auto [it, added] = files.emplace(path, contents);
      EXPECT_TRUE(added || it->second == contents) << path;
    }
  }
  // Both VMs need a locked-memory limit and at least one access rule; a check
  // that lost its fix files would make this test pass vacuously.
  EXPECT_NE(std::find(fixed.begin(), fixed.end(), "vm.memlock"), fixed.end()) << before.dump(2);
  EXPECT_GE(files.size(), 2u);

  // Every one of them is a file setup would write now, with the same contents.
  auto pending = setup_pending(dir, toml);
  for (const auto& [path, contents] : files) {
    ASSERT_TRUE(pending.count(path)) << path;
    EXPECT_EQ(pending.at(path), contents) << path;
  }

  // Follow the fixes by hand.
  for (const auto& [path, contents] : files) write(dir / path.substr(1), contents);

  // The check no longer fails on those needs (what is left is a login or a udev trigger)...
  json after = check(dir, config, name);
  for (const auto& id : fixed) {
    const json* item = finding(after, id);
    ASSERT_NE(item, nullptr) << id;
    // A written limit takes effect at the next login (simulated below): until
    // then the memlock finding fails with that one step as its fix.
    if ((*item)["status"] == "fail") {
      EXPECT_EQ((*item)["fix"], "log out and back in") << item->dump();
    }
    EXPECT_FALSE(item->contains("files")) << item->dump();
  }
  // ...and setup finds exactly those files in place.
  pending = setup_pending(dir, toml);
  for (const auto& [path, contents] : files) EXPECT_FALSE(pending.count(path)) << path;

  // Log in again: pam_limits applies the written limit (KiB), and it covers the VM.
  std::istringstream limits(files.at("/etc/security/limits.d/95-vfg-memlock.conf"));
  std::string line;
  uint64_t kib = 0;
  while (std::getline(limits, line))
    if (line.starts_with("alice hard memlock ")) kib = std::stoull(line.substr(19));
  ASSERT_GT(kib, 0u);
  write(dir / "proc/self/limits", "Max locked memory  " + std::to_string(kib * 1024) + "  " +
                                      std::to_string(kib * 1024) + "  bytes\n");
  json relogged = check(dir, config, name);
  EXPECT_EQ((*finding(relogged, "vm.memlock"))["status"], "pass") << relogged.dump(2);
  // One byte less and the check says it is not enough: the two use one number.
  write(dir / "proc/self/limits", "Max locked memory  " + std::to_string(kib * 1024 - 1024) + "  " +
                                      std::to_string(kib * 1024 - 1024) + "  bytes\n");
  json short_by_one = check(dir, config, name);
  EXPECT_NE((*finding(short_by_one, "vm.memlock"))["status"], "pass") << short_by_one.dump(2);
}

std::string vm_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(FixtureVms, CheckSetupAgree, ::testing::ValuesIn(fixture_vms()), vm_name);

}  // namespace
}  // namespace vfg
