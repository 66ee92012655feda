// The launcher against real QEMU (TCG) and the busybox guest, with a
// hand-written command line: start, graceful and forced stop, refusal of a
// second start, recovery from SIGKILL, and a QEMU that fails to start.
#include "run/launcher.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "run/pidfd.h"
#include "run/stopper.h"
#include "run/vm_state.h"
#include "run/vm_status.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/qemu_caps.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
      FAIL() << "the test guest is missing; run scripts/build-guest.sh build/guest";
  }

  VmPaths paths(const std::string& name = "demo") const {
    XdgDirs dirs{temp_ / "config/vfg", temp_ / "data/vfg", temp_ / "run/vfg", temp_ / "state/vfg"};
    return VmPaths::make(dirs, name);
  }

  LaunchRequest request(const std::string& name = "demo") const {
    LaunchRequest request;
    request.paths = paths(name);
    request.argv = {"qemu-system-x86_64",
                    "-name",
                    name,
                    "-machine",
                    "q35,accel=tcg",
                    "-m",
                    "256",
                    "-nodefaults",
                    "-no-user-config",
                    "-display",
                    "none",
                    "-kernel",
                    std::string(VFG_GUEST_DIR) + "/vmlinuz",
                    "-initrd",
                    std::string(VFG_GUEST_DIR) + "/initrd.gz",
                    "-append",
                    "console=ttyS0 quiet",
                    "-serial",
                    "file:" + request.paths.serial_log.string()};
    // The launcher's monitors, spelled as this QEMU wants (-mon is deprecated in 11.1).
    auto qemu = probe_qemu();
    request.monitor_object = qemu && qemu->monitor_object;
    request.accelerator = "tcg";
    request.stop_timeout = 60s;
    return request;
  }

  // The guest prints this once its power button works; polling a file is
  // fine here because nothing is timed, only bounded.
  static bool wait_for_serial(const VmPaths& paths, const std::string& text) {
    for (int i = 0; i < 1200; ++i) {
      std::ifstream file(paths.serial_log);
      std::stringstream contents;
      contents << file.rdbuf();
      if (contents.str().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  static void expect_clean(const VmPaths& paths) {
    EXPECT_FALSE(fs::exists(paths.lock_file));
    EXPECT_FALSE(fs::exists(paths.qmp_socket));
    EXPECT_FALSE(fs::exists(paths.pid_file));
    EXPECT_FALSE(fs::exists(paths.runtime_dir / "state.json"));
  }

  testing::TempDir temp_;
};

TEST_F(LauncherTest, StartsAndStopsTheGuestGracefully) {
  auto info = start_detached(request());
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(process_alive(info->qemu_pid));
  HostRoot live;
  VmStatus status = query_vm_status(live, paths());
  EXPECT_EQ(status.state, "running");
  EXPECT_EQ(status.qemu_pid, info->qemu_pid);
  EXPECT_EQ(status.accelerator, "tcg");
  EXPECT_TRUE(status.supervised);
  ASSERT_TRUE(wait_for_serial(paths(), "VFG-GUEST ready"));

  StopRequest stop;
  stop.paths = paths();
  auto outcome = stop_vm(live, stop);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->how, StopOutcome::How::kGuestShutdown) << outcome->describe();
  EXPECT_EQ(outcome->shutdown_reason, "guest-shutdown");
  EXPECT_FALSE(process_alive(info->qemu_pid));
  EXPECT_FALSE(process_alive(info->supervisor_pid));
  expect_clean(paths());
  EXPECT_EQ(query_vm_status(live, paths()).state, "stopped");
}

// Busy threads on every CPU for as long as it lives: the loaded machine
// under which a single power-button press used to be lost.
class CpuHog {
 public:
  CpuHog() {
    unsigned count = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < count; ++i)
      threads_.emplace_back([this] {
        while (!stop_.load(std::memory_order_relaxed)) {
        }
      });
  }
  ~CpuHog() {
    stop_ = true;
    for (auto& thread : threads_) thread.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

TEST_F(LauncherTest, StopsGracefullyUnderLoadEvenBeforeTheGuestListens) {
  CpuHog hog;
  auto info = start_detached(request());
  ASSERT_TRUE(info) << info.error().message;
  // Stopped at once: the first press reaches a guest still booting, which
  // cannot hear it. The presses that follow must still shut it down.
  StopRequest stop;
  stop.paths = paths();
  // Room for a slow boot beside the hog; the presses repeat every 15 s.
  stop.timeout = 180s;
  HostRoot live;
  auto outcome = stop_vm(live, stop);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->how, StopOutcome::How::kGuestShutdown) << outcome->describe();
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_NE(read_file(paths().serial_log).value_or("").find("VFG-GUEST power button pressed"),
            std::string::npos);
  EXPECT_FALSE(process_alive(info->qemu_pid));
  expect_clean(paths());
}

TEST_F(LauncherTest, RefusesASecondStartAndForceStops) {
  auto info = start_detached(request());
  ASSERT_TRUE(info) << info.error().message;
  auto second = start_detached(request());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find(
                fmt::format("VM 'demo' is already running (QEMU pid {}", info->qemu_pid)),
            std::string::npos)
      << second.error().message;
  EXPECT_TRUE(process_alive(info->qemu_pid));

  StopRequest stop;
  stop.paths = paths();
  stop.force = true;
  HostRoot live;
  auto outcome = stop_vm(live, stop);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->how, StopOutcome::How::kQuit);
  EXPECT_FALSE(process_alive(info->qemu_pid));
  expect_clean(paths());
}

TEST_F(LauncherTest, RecoversFromAKilledQemu) {
  auto info = start_detached(request());
  ASSERT_TRUE(info) << info.error().message;
  UniqueFd supervisor = open_pidfd(info->supervisor_pid);
  ASSERT_TRUE(supervisor);
  ::kill(info->qemu_pid, SIGKILL);
  // The supervisor reaps QEMU, cleans up and exits by itself.
  ASSERT_TRUE(wait_pidfd(supervisor.get(), 60s));
  HostRoot live;
  EXPECT_EQ(query_vm_status(live, paths()).state, "stopped");
  expect_clean(paths());
  EXPECT_NE(read_file(paths().log_file).value_or("").find("killed by signal 9"), std::string::npos);

  auto again = start_detached(request());
  ASSERT_TRUE(again) << again.error().message;
  // The log lives outside the runtime directory (which goes at logout), and
  // the new run keeps the one before it beside its own, nothing older.
  EXPECT_EQ(paths().log_file, temp_ / "state/vfg/demo/qemu.log");
  EXPECT_EQ(read_file(paths().log_file).value_or("").find("killed by signal 9"), std::string::npos);
  EXPECT_NE(read_file(temp_ / "state/vfg/demo/qemu.log.1").value_or("").find("killed by signal 9"),
            std::string::npos);
  EXPECT_EQ(query_vm_status(live, paths()).log, paths().log_file.string());
  StopRequest stop;
  stop.paths = paths();
  stop.force = true;
  ASSERT_TRUE(stop_vm(live, stop));
}

TEST_F(LauncherTest, ClearsTheStateOfACrashedRun) {
  auto info = start_detached(request());
  ASSERT_TRUE(info) << info.error().message;
  // Both processes die without a chance to clean up.
  ::kill(info->supervisor_pid, SIGKILL);
  ::kill(info->qemu_pid, SIGKILL);
  UniqueFd qemu = open_pidfd(info->qemu_pid);
  if (qemu) wait_pidfd(qemu.get(), 30s);
  UniqueFd supervisor = open_pidfd(info->supervisor_pid);
  if (supervisor) wait_pidfd(supervisor.get(), 30s);
  HostRoot live;
  VmStatus status = query_vm_status(live, paths());
  EXPECT_EQ(status.state, "stopped");
  EXPECT_NE(status.note.find("without cleaning up"), std::string::npos) << status.note;

  auto again = start_detached(request());
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(again->notes.size(), 1U);
  EXPECT_NE(again->notes[0].find("cleared the state"), std::string::npos);
  StopRequest stop;
  stop.paths = paths();
  stop.force = true;
  ASSERT_TRUE(stop_vm(live, stop));
  expect_clean(paths());
}

TEST_F(LauncherTest, ShowsWhyQemuFailedAndLeavesNothingBehind) {
  LaunchRequest bad = request();
  bad.argv.push_back("-no-such-option");
  auto info = start_detached(bad);
  ASSERT_FALSE(info);
  const std::string& message = info.error().message;
  EXPECT_NE(message.find("QEMU exited during start (exited with status 1)"), std::string::npos)
      << message;
  EXPECT_NE(message.find("-no-such-option: invalid option"), std::string::npos) << message;
  EXPECT_NE(message.find("command: qemu-system-x86_64 -S"), std::string::npos) << message;
  expect_clean(paths());
  // And the next start is not blocked by anything.
  auto good = start_detached(request());
  ASSERT_TRUE(good) << good.error().message;
  StopRequest stop;
  stop.paths = paths();
  stop.force = true;
  HostRoot live;
  ASSERT_TRUE(stop_vm(live, stop));
}

}  // namespace
}  // namespace vfg
