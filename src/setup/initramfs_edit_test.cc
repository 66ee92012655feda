#include "setup/initramfs_edit.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "util/process.h"

namespace vfg {
namespace {

const std::vector<std::string> kModules = {"vfio_pci", "vfio", "vfio_iommu_type1"};

// The arrays as mkinitcpio (which sources the file with bash) sees them.
std::string arrays(const std::string& conf) {
  testing::TempDir dir;
  auto path = dir.write("mkinitcpio.conf", conf);
  auto out = run_command(
      {"bash", "-c", "set -e; . \"$1\"; echo \"MODULES=${MODULES[*]}\"; echo \"HOOKS=${HOOKS[*]}\"",
       "bash", path.string()});
  EXPECT_TRUE(out && out->status.success()) << (out ? out->err : out.error().message);
  return out ? out->out : "";
}

TEST(Mkinitcpio, PutsVfioFirstAndAddsModconf) {
  auto edited = edit_mkinitcpio_conf(
      "# MODULES=(commented)\nMODULES=(btrfs)\nHOOKS=(base udev autodetect microcode kms block)\n",
      kModules);
  ASSERT_TRUE(edited);
  EXPECT_EQ(*edited,
            "# MODULES=(commented)\nMODULES=(vfio_pci vfio vfio_iommu_type1 btrfs)\n"
            "HOOKS=(base udev autodetect microcode modconf kms block)\n");
  EXPECT_EQ(arrays(*edited),
            "MODULES=vfio_pci vfio vfio_iommu_type1 btrfs\n"
            "HOOKS=base udev autodetect microcode modconf kms block\n");
  EXPECT_EQ(*edit_mkinitcpio_conf(*edited, kModules), *edited);
}

TEST(Mkinitcpio, KeepsMultiLineArraysAndComments) {
  const std::string conf =
      "MODULES=(\n"
      "  nvme   # the root disk\n"
      "  vfio-pci\n"
      "  \"i915\"\n"
      ")\n"
      "HOOKS=(base systemd modconf block)\n";
  auto edited = edit_mkinitcpio_conf(conf, kModules);
  ASSERT_TRUE(edited);
  EXPECT_EQ(*edited,
            "MODULES=(vfio_pci vfio vfio_iommu_type1\n"
            "  nvme   # the root disk\n"
            "  \"i915\"\n"
            ")\n"
            "HOOKS=(base systemd modconf block)\n");
  EXPECT_EQ(arrays(*edited),
            "MODULES=vfio_pci vfio vfio_iommu_type1 nvme i915\nHOOKS=base systemd modconf block\n");
}

TEST(Mkinitcpio, HandlesEmptyAndMissingArrays) {
  EXPECT_EQ(*edit_mkinitcpio_conf("MODULES=()\nHOOKS=(base udev)\n", kModules),
            "MODULES=(vfio_pci vfio vfio_iommu_type1)\nHOOKS=(base udev modconf)\n");
  EXPECT_EQ(*edit_mkinitcpio_conf("HOOKS=(base)", kModules),
            "HOOKS=(base modconf)\nMODULES=(vfio_pci vfio vfio_iommu_type1)\n");
  EXPECT_FALSE(edit_mkinitcpio_conf("MODULES=(btrfs\n", kModules));
}

TEST(InitramfsTools, AppendsOnlyMissingModules) {
  std::string file = "# comment\nvfio\n";
  std::string edited = edit_initramfs_tools_modules(file, kModules);
  EXPECT_EQ(edited,
            "# comment\nvfio\n# vfio-pci claims passthrough devices before their usual drivers "
            "(vfg setup)\nvfio_pci\nvfio_iommu_type1\n");
  EXPECT_EQ(edit_initramfs_tools_modules(edited, kModules), edited);
}

TEST(Booster, MergesForceLoad) {
  EXPECT_EQ(edit_booster_yaml("compression: zstd\n", kModules),
            "compression: zstd\nmodules_force_load: vfio_pci,vfio,vfio_iommu_type1\n");
  std::string edited = edit_booster_yaml("modules_force_load: nvme\nuniversal: false\n", kModules);
  EXPECT_EQ(edited, "modules_force_load: vfio_pci,vfio,vfio_iommu_type1,nvme\nuniversal: false\n");
  EXPECT_EQ(edit_booster_yaml(edited, kModules), edited);
}

// dracut itself reads the drop-in: with --debug its trace shows the value it
// computed for force_drivers after sourcing every conf file of the directory.
TEST(Dracut, AcceptsTheForceDriversDropIn) {
  testing::TempDir dir;
  dir.write("dracut.conf", "");
  dir.write("conf.d/10-vfg-vfio.conf", dracut_force_drivers_conf(kModules));
  auto out = run_command({"dracut", "--conf", (dir / "dracut.conf").string(), "--confdir",
                          (dir / "conf.d").string(), "--no-kernel", "--list-modules", "--debug"},
                         std::chrono::seconds(60));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->status.success()) << out->err;
  std::string trace = out->out + out->err;
  EXPECT_EQ(trace.find("10-vfg-vfio.conf: line"), std::string::npos) << trace;
  EXPECT_NE(trace.find("force_drivers=' vfio_pci vfio vfio_iommu_type1 '"), std::string::npos)
      << trace.substr(0, 2000);
}

}  // namespace
}  // namespace vfg
