// `vfg stop` against real QEMU (TCG) and the busybox guest in the states that
// ignore a single press of the power button: asleep in S3, and still booting.
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "run/launcher.h"
#include "run/qmp_client.h"
#include "run/stopper.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/firmware.h"
#include "vm/qemu_caps.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class StopGuestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
      FAIL() << "the test guest is missing; run scripts/build-guest.sh build/guest";
  }

  VmPaths paths() const {
    return VmPaths::make(
        {temp_ / "config/vfg", temp_ / "data/vfg", temp_ / "run/vfg", temp_ / "state/vfg"},
        "sleepy");
  }

  /// OVMF from the host's firmware descriptors, as `vfg start` gives a VM,
  /// for a guest that must come back from S3 able to hear its power button.
  /// SeaBIOS, QEMU's default, does not restore the ICH9 LPC's PMBASE and
  /// ACPI_CNTL after the reset an S3 wakeup is: the ACPI PM registers are left
  /// unmapped, so a press sets no status bit and raises no SCI in the resumed
  /// guest. OVMF replays them from its S3 boot script.
  std::vector<std::string> uefi_firmware() const {
    auto qemu = probe_qemu();
    if (!qemu) {
      ADD_FAILURE() << qemu.error().message;
      return {};
    }
    HostRoot live;
    auto firmware = find_firmware({&live, temp_ / "config/qemu/firmware"}, {qemu->q35_machine});
    if (!firmware) {
      ADD_FAILURE() << firmware.error().message;
      return {};
    }
    auto vars = ensure_vars_copy(*firmware, paths().vars_file(firmware->vars_format));
    if (!vars) {
      ADD_FAILURE() << vars.error().message;
      return {};
    }
    return {
        "-drive",
        fmt::format("if=pflash,unit=0,readonly=on,format={},file={}", firmware->code_format,
                    firmware->code),
        "-drive",
        fmt::format("if=pflash,unit=1,format={},file={}", firmware->vars_format, vars->string())};
  }

  LaunchRequest request(const std::string& append) const {
    LaunchRequest request;
    request.paths = paths();
    request.argv = {"qemu-system-x86_64",
                    "-name",
                    "sleepy",
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
                    append,
                    "-serial",
                    "file:" + request.paths.serial_log.string()};
    request.accelerator = "tcg";
    request.stop_timeout = 60s;
    return request;
  }

  /// Bounded, not timed: a TCG boot on a loaded machine can take minutes.
  bool wait_for_status(const std::string& wanted) const {
    for (int i = 0; i < 1200; ++i) {
      if (auto qmp = QmpClient::connect(paths().qmp_socket, 5s)) {
        auto status = qmp->execute("query-status");
        if (status && status->value("status", "") == wanted) return true;
      }
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  testing::TempDir temp_;
};

TEST_F(StopGuestTest, WakesASleepingGuestAndItPowersOff) {
  // vfg.suspend: the guest's init suspends to RAM (S3) as soon as it is up.
  LaunchRequest asleep = request("console=ttyS0 quiet vfg.suspend");
  std::vector<std::string> firmware = uefi_firmware();
  ASSERT_FALSE(firmware.empty());
  asleep.argv.insert(asleep.argv.end(), firmware.begin(), firmware.end());
  auto info = start_detached(asleep);
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_TRUE(wait_for_status("suspended"))
      << read_file(paths().serial_log).value_or("(no serial log)");

  StopRequest stop;
  stop.paths = paths();
  stop.timeout = 200s;  // a press into S3 would wait all of it, then quit
  stop.repress_interval = 5s;
  HostRoot live;
  auto outcome = stop_vm(live, stop);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->how, StopOutcome::How::kGuestShutdown) << outcome->describe();
  EXPECT_TRUE(outcome->woke);
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_NE(outcome->describe().find("woken from sleep first"), std::string::npos);
  EXPECT_NE(read_file(paths().serial_log).value_or("").find("VFG-GUEST resumed"),
            std::string::npos);
  EXPECT_FALSE(process_alive(info->qemu_pid));
}

TEST_F(StopGuestTest, PressesAgainWhenTheGuestWasNotYetListening) {
  auto info = start_detached(request("console=ttyS0 quiet"));
  ASSERT_TRUE(info) << info.error().message;
  // Stop at once: the first press reaches firmware or a booting kernel, which drop it.
  StopRequest stop;
  stop.paths = paths();
  stop.timeout = 250s;
  stop.repress_interval = 5s;
  HostRoot live;
  auto outcome = stop_vm(live, stop);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->how, StopOutcome::How::kGuestShutdown) << outcome->describe();
  EXPECT_GE(outcome->presses, 2) << outcome->describe();
  EXPECT_NE(read_file(paths().serial_log).value_or("").find("power button pressed"),
            std::string::npos);
  EXPECT_FALSE(process_alive(info->qemu_pid));
}

}  // namespace
}  // namespace vfg
