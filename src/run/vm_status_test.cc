#include "run/vm_status.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "run/vm_state.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

// A session's runtime directory and a detached one (TMPDIR/vfg-runtime-UID),
// as XdgDirs::from_environment gives them inside a session.
XdgDirs dirs_in(const testing::TempDir& temp) {
  temp.mkdir("session/vfg");
  temp.mkdir("tmp/vfg-runtime-1000/vfg");
  ::chmod((temp / "tmp/vfg-runtime-1000").c_str(), 0700);
  XdgDirs dirs{temp / "config/vfg", temp / "data/vfg", temp / "session/vfg", temp / "state/vfg"};
  dirs.detached_runtime = temp / "tmp/vfg-runtime-1000/vfg";
  return dirs;
}

TEST(LocateVm, ASessionStartedVmIsFoundInTheSession) {
  testing::TempDir temp;
  XdgDirs dirs = dirs_in(temp);
  temp.write("session/vfg/win/state.json", "{}");
  temp.write("tmp/vfg-runtime-1000/vfg/win/state.json", "{}");
  EXPECT_EQ(locate_vm(dirs, "win").runtime_dir, dirs.runtime / "win");
}

TEST(LocateVm, AVmTheSingleGpuServiceRunsIsFoundFromAnySession) {
  testing::TempDir temp;
  XdgDirs dirs = dirs_in(temp);
  temp.write("tmp/vfg-runtime-1000/vfg/win/state.json", "{}");
  VmPaths paths = locate_vm(dirs, "win");
  EXPECT_EQ(paths.runtime_dir, dirs.detached_runtime / "win");
  EXPECT_EQ(paths.qmp_socket, dirs.detached_runtime / "win/qmp.sock");
  // Its definition and logs stay where they always are.
  EXPECT_EQ(paths.config_file, dirs.config / "win.toml");
  EXPECT_EQ(paths.log_file, dirs.state / "win/qemu.log");
  auto names = known_vm_names(dirs);
  EXPECT_EQ(names, std::vector<std::string>{"win"});
}

TEST(LocateVm, CardsLeftToGiveBackAreFoundToo) {
  testing::TempDir temp;
  XdgDirs dirs = dirs_in(temp);
  temp.write("tmp/vfg-runtime-1000/vfg/win/handover.json", "{}");
  EXPECT_EQ(locate_vm(dirs, "win").runtime_dir, dirs.detached_runtime / "win");
}

TEST(LocateVm, ADetachedDirectoryOthersCanWriteIsNotBelieved) {
  testing::TempDir temp;
  XdgDirs dirs = dirs_in(temp);
  temp.write("tmp/vfg-runtime-1000/vfg/win/state.json", "{}");
  ::chmod((temp / "tmp/vfg-runtime-1000").c_str(), 0777);
  EXPECT_EQ(locate_vm(dirs, "win").runtime_dir, dirs.runtime / "win");
  EXPECT_TRUE(known_vm_names(dirs).empty());
}

TEST(LocateVm, NothingRunningMeansTheSession) {
  testing::TempDir temp;
  XdgDirs dirs = dirs_in(temp);
  EXPECT_EQ(locate_vm(dirs, "win").runtime_dir, dirs.runtime / "win");
  dirs.detached_runtime.clear();
  temp.write("tmp/vfg-runtime-1000/vfg/win/state.json", "{}");
  EXPECT_EQ(locate_vm(dirs, "win").runtime_dir, dirs.runtime / "win");
}

}  // namespace
}  // namespace vfg
