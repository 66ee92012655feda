#include "setup/modprobe_gen.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "util/process.h"

namespace vfg {
namespace {

const SetupPciFunction kGpu{"0000:0b:00.0", 0x10de, 0x2206, 0x030000, "nvidia"};
const SetupPciFunction kAudio{"0000:0b:00.1", 0x10de, 0x1aef, 0x040300, "snd_hda_intel"};
const SetupPciFunction kHostGpu{"0000:0a:00.0", 0x10de, 0x2206, 0x030000, "nvidia"};
const SetupPciFunction kOther{"0000:00:14.0", 0x8086, 0xa36d, 0x0c0330, "xhci_hcd"};

// kmod parses the directory as modprobe would; a bad line is reported on stderr.
std::string showconfig(const testing::TempDir& dir) {
  auto out = run_command({"modprobe", "-C", dir.path().string(), "--showconfig"});
  EXPECT_TRUE(out && out->status.success());
  EXPECT_EQ(out->err, "") << "kmod rejected a line";
  return out ? out->out : "";
}

TEST(Binding, ByIdsWhenNothingElseSharesThem) {
  auto choice = choose_binding({kGpu, kAudio}, {kGpu, kAudio, kOther});
  EXPECT_EQ(choice.method, BindMethod::kIds);
  EXPECT_EQ(choice.ids, (std::vector<std::string>{"10de:2206", "10de:1aef"}));
  testing::TempDir dir;
  dir.write("vfg-vfio.conf", vfio_modprobe_conf({kGpu, kAudio}, choice, false));
  dir.write("vfg-kvm.conf", kvm_modprobe_conf());
  dir.write("vfg-kvmfr.conf", kvmfr_modprobe_conf({64, 128}, {"win11", "win10"}));
  std::string config = showconfig(dir);
  EXPECT_NE(config.find("options vfio_pci ids=10de:2206,10de:1aef\n"), std::string::npos) << config;
  EXPECT_NE(config.find("softdep nvidia pre: vfio-pci\n"), std::string::npos);
  EXPECT_NE(config.find("softdep nouveau pre: vfio-pci\n"), std::string::npos);
  EXPECT_NE(config.find("softdep snd_hda_intel pre: vfio-pci\n"), std::string::npos);
  EXPECT_NE(config.find("options kvm ignore_msrs=1 report_ignored_msrs=0\n"), std::string::npos);
  EXPECT_NE(config.find("options kvmfr static_size_mb=64,128\n"), std::string::npos);
  EXPECT_EQ(config.find("blacklist"), std::string::npos);
}

TEST(Binding, ByAddressWhenAnIdenticalCardStaysOnTheHost) {
  auto choice = choose_binding({kGpu, kAudio}, {kHostGpu, kGpu, kAudio});
  EXPECT_EQ(choice.method, BindMethod::kAddress);
  EXPECT_NE(choice.reason.find("0000:0a:00.0"), std::string::npos);
  testing::TempDir dir;
  dir.write("vfg-vfio.conf", vfio_modprobe_conf({kGpu, kAudio}, choice, true));
  std::string config = showconfig(dir);
  EXPECT_EQ(config.find("options vfio_pci ids="), std::string::npos) << config;
  EXPECT_NE(config.find("install vfio_pci for d in 0000:0b:00.0 0000:0b:00.1; do"),
            std::string::npos)
      << config;
  EXPECT_NE(config.find("options vfio_iommu_type1 allow_unsafe_interrupts=1\n"), std::string::npos);
}

TEST(Binding, SoftdepsFollowVendorClassAndCurrentDriver) {
  EXPECT_EQ(softdep_drivers({{"0000:03:00.0", 0x1002, 0x73bf, 0x030000, ""},
                             {"0000:03:00.1", 0x1002, 0xab28, 0x040300, "snd_hda_intel"}}),
            (std::vector<std::string>{"amdgpu", "radeon", "snd_hda_intel"}));
  EXPECT_EQ(softdep_drivers({{"0000:00:02.0", 0x8086, 0x56a0, 0x030000, "i915"}}),
            (std::vector<std::string>{"i915", "xe"}));
  EXPECT_EQ(softdep_drivers({{"0000:0a:00.2", 0x10de, 0x1ad6, 0x0c0330, "vfio-pci"},
                             {"0000:0a:00.3", 0x10de, 0x1ad7, 0x0c8000, "nvidia-gpu"}}),
            (std::vector<std::string>{"i2c_nvidia_gpu", "nvidia_gpu", "xhci_pci"}));
}

TEST(Binding, SoftdepNamesTheModuleOfTheBoundDriver) {
  // The driver bochs-drm comes from the module bochs: kmod knows only the module,
  // so "softdep bochs_drm" would never hold bochs back.
  EXPECT_EQ(softdep_drivers({{"0000:02:00.0", 0x1234, 0x1111, 0x038000, "bochs-drm", "bochs"}}),
            (std::vector<std::string>{"bochs"}));
}

// The install hook is shell run by kmod; run it for real against a stand-in
// sysfs (a private mount namespace hides the machine's /sys/bus/pci/devices)
// and see the overrides land before modprobe loads the module.
TEST(Binding, InstallHookWritesOverridesBeforeLoading) {
  testing::TempDir dir;
  dir.write("conf/vfg-vfio.conf",
            vfio_modprobe_conf({kGpu, kAudio},
                               choose_binding({kGpu, kAudio}, {kHostGpu, kGpu, kAudio}), false));
  dir.write("sys/0000:0b:00.0/driver_override", "(null)\n");
  dir.write("sys/0000:0b:00.1/driver_override", "(null)\n");
  dir.write("sys/0000:0a:00.0/driver_override", "(null)\n");
  // A stand-in for the modprobe the hook execs records what it was asked to
  // load and what the override said at that moment; kmod itself runs from a copy.
  dir.write("fake-modprobe",
            "#!/bin/sh\necho \"load $* (override: $(cat "
            "/sys/bus/pci/devices/0000:0b:00.0/driver_override))\"\n");
  std::string script =
      "set -e; cp \"$(readlink -f /sbin/modprobe)\" \"$1/modprobe\"; chmod +x "
      "\"$1/fake-modprobe\"; "
      "mount --bind \"$1/sys\" /sys/bus/pci/devices; mount --bind \"$1/fake-modprobe\" "
      "/sbin/modprobe; "
      "\"$1/modprobe\" -C \"$1/conf\" vfio-pci; "
      "cat /sys/bus/pci/devices/0000:0b:00.0/driver_override "
      "/sys/bus/pci/devices/0000:0b:00.1/driver_override "
      "/sys/bus/pci/devices/0000:0a:00.0/driver_override";
  auto out = run_command({"unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                          "sh", dir.path().string()});
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_TRUE(out->status.success()) << out->err;
  EXPECT_EQ(out->out,
            "load --ignore-install vfio_pci (override: vfio-pci)\nvfio-pci\nvfio-pci\n(null)\n");
}

TEST(Binding, EarlierVfioIdsOptionsAreDisarmed) {
  EXPECT_EQ(without_vfio_ids("options vfio-pci ids=10de:1e07 disable_vga=1\nsoftdep nvidia pre: "
                             "vfio-pci\n"),
            "# vfg setup: /etc/modprobe.d/vfg-vfio.conf binds vfio-pci now; was: options vfio-pci "
            "ids=10de:1e07 disable_vga=1\noptions vfio-pci disable_vga=1\nsoftdep nvidia pre: "
            "vfio-pci\n");
  EXPECT_EQ(without_vfio_ids("options vfio_pci ids=1:2"),
            "# vfg setup: /etc/modprobe.d/vfg-vfio.conf binds vfio-pci now; was: options vfio_pci "
            "ids=1:2");
  std::string other = "options snd_hda_intel ids=1\n# options vfio-pci ids=1:2\n";
  EXPECT_EQ(without_vfio_ids(other), other);
}

// /etc/initramfs-tools/modules passes a line's words to modprobe, after modprobe.d.
TEST(Binding, EarlierVfioIdsInAModuleListAreDisarmed) {
  const auto list = VfioIdsSyntax::kModuleList;
  EXPECT_EQ(without_vfio_ids("vfio\nvfio_pci ids=10de:1b80,10de:10f0 disable_vga=1\n", list),
            "vfio\n# vfg setup: /etc/modprobe.d/vfg-vfio.conf binds vfio-pci now; was: vfio_pci "
            "ids=10de:1b80,10de:10f0 disable_vga=1\nvfio_pci disable_vga=1\n");
  // The module still loads from the list; only its ids= goes.
  EXPECT_EQ(without_vfio_ids("vfio-pci ids=1:2\n", list),
            "# vfg setup: /etc/modprobe.d/vfg-vfio.conf binds vfio-pci now; was: vfio-pci "
            "ids=1:2\nvfio-pci\n");
  std::string other = "snd_hda_intel ids=1\n# vfio_pci ids=1:2\noptions vfio-pci ids=1:2\n";
  EXPECT_EQ(without_vfio_ids(other, list), other);
  // Applying twice changes nothing more.
  std::string once = without_vfio_ids("vfio_pci ids=1:2\n", list);
  EXPECT_EQ(without_vfio_ids(once, list), once);
}

}  // namespace
}  // namespace vfg
