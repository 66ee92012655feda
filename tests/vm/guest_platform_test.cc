// Boots the busybox guest with command lines from build_qemu_argv and asks
// the guest what it sees: a Windows definition's defaults take away ACPI S3
// and S4 and the HPET, while a Linux definition keeps QEMU's (which shows the
// guest would report them if they were there).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "run/qmp_client.h"
#include "support/qmp_wait.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/launch_plan.h"
#include "vm/qemu_caps.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

VmConfig direct_boot(const std::string& name, GuestOs os) {
  VmConfig config;
  config.name = name;
  config.os = os;
  config.accel = Accel::kTcg;
  config.memory.size = 256 * kMiB;
  config.cpu.cores = 1;
  config.cpu.threads = 1;
  config.firmware.type = FirmwareConfig::Type::kBios;
  config.boot.kernel = std::string(VFG_GUEST_DIR) + "/vmlinuz";
  config.boot.initrd = std::string(VFG_GUEST_DIR) + "/initrd.gz";
  config.boot.append = "console=ttyS0 quiet";
  config.audio.enabled = false;
  config.network.mode = NetworkMode::kNone;
  return config;
}

/// One guest booted to "VFG-GUEST ready"; QEMU is killed with the object.
class BootedGuest {
 public:
  Status start(const VmConfig& config, const fs::path& root) {
    auto qemu = probe_qemu();
    if (!qemu) return tl::unexpected(qemu.error());
    plan_.kvm = false;
    plan_.qemu = *qemu;
    plan_.qemu_binary = qemu->binary;
    plan_.paths = VmPaths::make(
        {root / "config/vfg", root / "data/vfg", root / "run/vfg", root / "state/vfg"},
        config.name);
    plan_.audio = AudioBackend::kNone;
    if (auto made = make_directories(plan_.paths.runtime_dir, 0700); !made) return made;
    if (auto made = make_directories(plan_.paths.state_dir, 0700); !made) return made;
    auto command = build_qemu_argv(config, plan_);
    if (!command) return tl::unexpected(command.error());
    argv_ = command->argv;
    SpawnOptions options;
    options.argv = command->argv;
    options.stdout_mode = Stdio::kFile;
    options.stdout_path = plan_.paths.log_file.string();
    options.stderr_mode = Stdio::kFile;
    options.stderr_path = plan_.paths.log_file.string();
    auto child = spawn(options);
    if (!child) return tl::unexpected(child.error());
    child_.emplace(std::move(*child));
    return ok();
  }

  /// Lets the paused machine run once QMP is up.
  Status resume(std::chrono::steady_clock::time_point deadline) {
    auto qmp = testing::connect_when_listening(*child_, plan_.paths.qmp_socket,
                                               plan_.paths.log_file, deadline);
    if (!qmp) return tl::unexpected(qmp.error());
    if (auto cont = qmp->execute("cont"); !cont) return tl::unexpected(cont.error());
    return ok();
  }

  /// The serial log once the guest is ready, or what there is at the deadline.
  std::string wait_ready(std::chrono::steady_clock::time_point deadline) {
    std::string log;
    while (std::chrono::steady_clock::now() < deadline &&
           log.find("VFG-GUEST ready") == std::string::npos) {
      if (auto exited = child_->wait_for(100ms); !exited || *exited) break;
      log = read_file(plan_.paths.serial_log).value_or("");
    }
    return log + "\n--- QEMU log:\n" + read_file(plan_.paths.log_file).value_or("");
  }

  const std::vector<std::string>& argv() const { return argv_; }

 private:
  LaunchPlan plan_;
  std::vector<std::string> argv_;
  std::optional<Child> child_;
};

/// The text after "TAG " on the guest's line that starts with it (the serial
/// console ends lines with CR LF).
std::string guest_line(const std::string& log, const std::string& tag) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(tag + " ", 0) == 0) return line.substr(tag.size() + 1);
  }
  return "(no " + tag + " line)";
}

TEST(GuestPlatform, WindowsDefaultsRemoveSleepStatesAndTheHpetAsTheGuestSeesIt) {
  ASSERT_TRUE(fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
      << "the test guest is missing; run scripts/build-guest.sh build/guest";
  testing::TempDir temp;
  // Both boot at once: a TCG boot on a loaded machine takes a while.
  BootedGuest windows_guest, linux_guest;
  ASSERT_TRUE(windows_guest.start(direct_boot("win", GuestOs::kWindows), temp / "win"));
  ASSERT_TRUE(linux_guest.start(direct_boot("lin", GuestOs::kLinux), temp / "lin"));
  auto deadline = std::chrono::steady_clock::now() + 270s;
  auto windows_running = windows_guest.resume(deadline);
  ASSERT_TRUE(windows_running) << windows_running.error().message;
  auto linux_running = linux_guest.resume(deadline);
  ASSERT_TRUE(linux_running) << linux_running.error().message;
  std::string windows_log = windows_guest.wait_ready(deadline);
  std::string linux_log = linux_guest.wait_ready(deadline);
  ASSERT_NE(windows_log.find("VFG-GUEST ready"), std::string::npos) << windows_log;
  ASSERT_NE(linux_log.find("VFG-GUEST ready"), std::string::npos) << linux_log;

  // "VFG-ACPI sleep=S0 S5": the kernel's "ACPI: PM: (supports ...)".
  EXPECT_EQ(guest_line(windows_log, "VFG-ACPI"), "sleep=S0 S5") << windows_log;
  EXPECT_EQ(guest_line(linux_log, "VFG-ACPI"), "sleep=S0 S3 S4 S5") << linux_log;
  std::string windows_tables = windows_log.substr(windows_log.find("VFG-ACPI tables="));
  windows_tables = windows_tables.substr(0, windows_tables.find('\n'));
  std::string linux_tables = linux_log.substr(linux_log.find("VFG-ACPI tables="));
  linux_tables = linux_tables.substr(0, linux_tables.find('\n'));
  EXPECT_EQ(windows_tables.find(" HPET "), std::string::npos) << windows_tables;
  EXPECT_NE(linux_tables.find(" HPET "), std::string::npos) << linux_tables;
  std::string windows_clocks = guest_line(windows_log, "VFG-CLOCK");
  EXPECT_NE(windows_clocks.find("available="), std::string::npos) << windows_log;
  EXPECT_EQ(windows_clocks.find("hpet"), std::string::npos) << windows_clocks;
  EXPECT_NE(guest_line(linux_log, "VFG-CLOCK").find("hpet"), std::string::npos) << linux_log;
}

}  // namespace
}  // namespace vfg
