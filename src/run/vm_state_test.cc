#include "run/vm_state.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "host/process_info.h"
#include "support/temp_dir.h"
#include "util/process.h"

namespace vfg {
namespace {

RuntimeFiles files_in(const testing::TempDir& temp) {
  XdgDirs dirs{temp / "config/vfg", temp / "data/vfg", temp / "vfg", temp / "state/vfg"};
  return RuntimeFiles::of(VmPaths::make(dirs, "demo"));
}

TEST(VmState, CreatesAPrivateDirectory) {
  testing::TempDir temp;
  RuntimeFiles files = files_in(temp);
  ASSERT_TRUE(files.create());
  struct stat st {};
  ASSERT_EQ(::stat(files.dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  ASSERT_EQ(::stat(files.dir.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
}

TEST(VmState, SecondLockIsRefusedNamingThePids) {
  testing::TempDir temp;
  RuntimeFiles files = files_in(temp);
  ASSERT_TRUE(files.create());
  auto first = VmLock::acquire(files, "demo");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->set_owner(4321));
  VmRecord record;
  record.name = "demo";
  record.supervisor_pid = 4321;
  record.qemu_pid = 4322;
  ASSERT_TRUE(write_record(files, record));
  auto second = VmLock::acquire(files, "demo");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message,
            "VM 'demo' is already running (QEMU pid 4322, supervisor pid 4321)");
  first->release();
  EXPECT_TRUE(VmLock::acquire(files, "demo"));
}

// state.json as earlier versions wrote it (keys in this order, one missing)
// still reads: the record's keys are its fields, and a missing one is its default.
TEST(VmState, ReadsTheRecordEarlierVersionsWrote) {
  testing::TempDir temp;
  RuntimeFiles files = files_in(temp);
  ASSERT_TRUE(files.create());
  temp.write("vfg/demo/state.json",
             R"({"name": "demo", "supervisor_pid": 10, "supervisor_start_ticks": 99,
                 "qemu_pid": 11, "qemu_start_ticks": 100, "accelerator": "kvm",
                 "foreground": true, "argv": ["qemu-system-x86_64"]})");
  auto read = read_record(files);
  ASSERT_TRUE(read && *read) << (read ? "" : read.error().message);
  EXPECT_EQ((*read)->supervisor_start_ticks, 99u);
  EXPECT_EQ((*read)->qemu_start_ticks, 100u);
  EXPECT_EQ((*read)->accelerator, "kvm");
  EXPECT_TRUE((*read)->foreground);
  EXPECT_EQ((*read)->stop_timeout_seconds, 60);  // absent: the default
  temp.write("vfg/demo/state.json", R"({"name": "demo", "qemu_pid": "eleven"})");
  EXPECT_FALSE(read_record(files));
}

TEST(VmState, RecordRoundTripsAndClearKeepsLogs) {
  testing::TempDir temp;
  RuntimeFiles files = files_in(temp);
  ASSERT_TRUE(files.create());
  VmRecord record;
  record.name = "demo";
  record.supervisor_pid = 10;
  record.qemu_pid = 11;
  record.accelerator = "tcg";
  record.stop_timeout_seconds = 7;
  record.argv = {"qemu-system-x86_64", "-S"};
  ASSERT_TRUE(write_record(files, record));
  auto read = read_record(files);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->qemu_pid, 11);
  EXPECT_EQ((*read)->accelerator, "tcg");
  EXPECT_EQ((*read)->stop_timeout_seconds, 7);
  EXPECT_EQ((*read)->argv.size(), 2U);
  EXPECT_EQ(temp.read("vfg/demo/qemu.pid"), "11\n");
  temp.write("vfg/demo/serial.log", "boot\n");
  temp.write("vfg/demo/qmp.sock", "");
  files.clear();
  EXPECT_TRUE(std::filesystem::exists(files.dir / "serial.log"));
  EXPECT_FALSE(std::filesystem::exists(files.record));
  EXPECT_FALSE(std::filesystem::exists(files.qmp_socket));
  EXPECT_FALSE(std::filesystem::exists(files.pid));
  std::filesystem::remove(files.dir / "serial.log");
  files.clear();
  EXPECT_FALSE(std::filesystem::exists(files.dir));
}

TEST(VmState, ProbeTellsRunningFromStale) {
  testing::TempDir temp;
  RuntimeFiles files = files_in(temp);
  ASSERT_TRUE(files.create());
  HostRoot live;
  EXPECT_EQ(probe_vm(live, files).liveness, VmLiveness::kStopped);

  SpawnOptions options;
  options.argv = {"sleep", "60"};
  auto sleeper = spawn(options);
  ASSERT_TRUE(sleeper);
  auto stat = read_process_stat(live, sleeper->pid());
  ASSERT_TRUE(stat);
  VmRecord record;
  record.name = "demo";
  record.qemu_pid = sleeper->pid();
  record.qemu_start_ticks = stat->start_ticks;
  ASSERT_TRUE(write_record(files, record));
  EXPECT_EQ(probe_vm(live, files).liveness, VmLiveness::kRunning);

  // A reused pid (same number, other start time) is not our process.
  record.qemu_start_ticks = stat->start_ticks + 1;
  ASSERT_TRUE(write_record(files, record));
  EXPECT_EQ(probe_vm(live, files).liveness, VmLiveness::kStale);

  record.qemu_start_ticks = stat->start_ticks;
  ASSERT_TRUE(write_record(files, record));
  sleeper->kill(SIGKILL);
  ASSERT_TRUE(sleeper->wait());
  EXPECT_EQ(probe_vm(live, files).liveness, VmLiveness::kStale);
}

}  // namespace
}  // namespace vfg
