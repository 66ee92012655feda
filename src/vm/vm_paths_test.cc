#include "vm/vm_paths.h"

#include <gtest/gtest.h>

#include "vm/launch_plan.h"
#include "vm/vm_config.h"

namespace vfg {
namespace {

XdgDirs dirs() {
  XdgDirs d;
  d.config = "/home/u/.config/vfg";
  d.data = "/home/u/.local/share/vfg";
  d.runtime = "/run/user/1000/vfg";
  d.state = "/home/u/.local/state/vfg";
  return d;
}

TEST(VmPaths, DerivesEveryPathFromTheXdgDirsAndName) {
  VmPaths paths = VmPaths::make(dirs(), "win11");
  EXPECT_EQ(paths.config_file, "/home/u/.config/vfg/win11.toml");
  EXPECT_EQ(paths.data_dir, "/home/u/.local/share/vfg/win11");
  EXPECT_EQ(paths.runtime_dir, "/run/user/1000/vfg/win11");
  EXPECT_EQ(paths.qmp_socket, "/run/user/1000/vfg/win11/qmp.sock");
  EXPECT_EQ(paths.spice_socket, "/run/user/1000/vfg/win11/spice.sock");
  EXPECT_EQ(paths.pid_file, "/run/user/1000/vfg/win11/qemu.pid");
  // The supervisor's log outlives the runtime directory, which goes at logout.
  EXPECT_EQ(paths.state_dir, "/home/u/.local/state/vfg/win11");
  EXPECT_EQ(paths.log_file, "/home/u/.local/state/vfg/win11/qemu.log");
  EXPECT_EQ(paths.serial_log, "/run/user/1000/vfg/win11/serial.log");
  EXPECT_EQ(paths.lock_file, "/run/user/1000/vfg/win11/lock");
  EXPECT_EQ(paths.vars_file(), "/home/u/.local/share/vfg/win11/OVMF_VARS.fd");
  EXPECT_EQ(paths.vars_file("qcow2"), "/home/u/.local/share/vfg/win11/OVMF_VARS.qcow2");
}

TEST(VmPaths, ValidatesNames) {
  EXPECT_TRUE(validate_vm_name("win11"));
  EXPECT_TRUE(validate_vm_name("Gaming_VM-2.test"));
  EXPECT_EQ(validate_vm_name("").error().message, "a VM name cannot be empty");
  EXPECT_EQ(validate_vm_name("a/b").error().message,
            "VM name 'a/b' contains '/'; use letters, digits, '.', '_' and '-'");
  EXPECT_EQ(validate_vm_name("..").error().message, "VM name '..' cannot start with '.'");
  EXPECT_EQ(validate_vm_name("-x").error().message, "VM name '-x' cannot start with '-'");
  EXPECT_FALSE(validate_vm_name("a b"));
  EXPECT_FALSE(validate_vm_name(std::string(65, 'a')));
}

TEST(VmConfig, DefaultsFollowTheGuestOs) {
  VmConfig config;
  EXPECT_EQ(effective_hyperv(config), HypervProfile::kPerformance);
  EXPECT_TRUE(effective_rtc_localtime(config));
  config.os = GuestOs::kLinux;
  EXPECT_EQ(effective_hyperv(config), HypervProfile::kOff);
  EXPECT_FALSE(effective_rtc_localtime(config));
  config.cpu.hyperv = HypervProfile::kStealth;
  EXPECT_EQ(effective_hyperv(config), HypervProfile::kStealth);
  EXPECT_EQ(config.cpu.vcpus(), 8u);
  EXPECT_EQ(config.stop_timeout.count(), 60);
  EXPECT_TRUE(is_block_device_path("/dev/disk/by-id/nvme-x"));
  EXPECT_FALSE(is_block_device_path("/home/u/win.qcow2"));
}

}  // namespace
}  // namespace vfg
