#include "host/host_root.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

class HostRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.write("sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor", "0x10de\n");
    tree_.write("sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/class", "0x030000\n");
    tree_.mkdir("sys/kernel/iommu_groups/12/devices");
    tree_.mkdir("sys/bus/pci/drivers/vfio-pci");
    // Links exactly as the kernel makes them: relative, climbing to /sys.
    tree_.symlink("sys/bus/pci/devices/0000:01:00.0",
                  "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0");
    tree_.symlink("sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group",
                  "../../../../kernel/iommu_groups/12");
    tree_.symlink("sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver",
                  "../../../../bus/pci/drivers/vfio-pci");
    // An absolute link must stay inside the tree.
    tree_.write("dev/nvme0n1p4", "");
    tree_.symlink("dev/disk/by-partuuid/1234", "/dev/nvme0n1p4");
  }

  testing::TempDir tree_;
};

TEST_F(HostRootTest, MapsHostPathsIntoTheTree) {
  HostRoot root(tree_.path());
  EXPECT_EQ(root.path("/sys/bus/pci"), tree_.path() / "sys/bus/pci");
  EXPECT_FALSE(root.is_live());
  EXPECT_TRUE(HostRoot().is_live());
  EXPECT_EQ(HostRoot().path("/sys/bus/pci"), "/sys/bus/pci");
}

TEST_F(HostRootTest, ReadsAttributesTrimmed) {
  HostRoot root(tree_.path());
  EXPECT_EQ(root.read_attr("/sys/bus/pci/devices/0000:01:00.0/vendor"), "0x10de");
  EXPECT_FALSE(root.read_attr("/sys/bus/pci/devices/0000:01:00.0/boot_vga"));
}

TEST_F(HostRootTest, ReadsLinkTargets) {
  HostRoot root(tree_.path());
  EXPECT_EQ(root.link_basename("/sys/bus/pci/devices/0000:01:00.0/driver"), "vfio-pci");
  EXPECT_EQ(root.link_basename("/sys/bus/pci/devices/0000:01:00.0/iommu_group"), "12");
  EXPECT_FALSE(root.link_basename("/sys/bus/pci/devices/0000:01:00.0/vendor"));
}

TEST_F(HostRootTest, ResolvesSymlinksInsideTheTree) {
  HostRoot root(tree_.path());
  EXPECT_EQ(root.resolve("/sys/bus/pci/devices/0000:01:00.0"),
            "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
  EXPECT_EQ(root.resolve("/sys/bus/pci/devices/0000:01:00.0/iommu_group"),
            "/sys/kernel/iommu_groups/12");
  EXPECT_EQ(root.resolve("/dev/disk/by-partuuid/1234"), "/dev/nvme0n1p4");
  EXPECT_TRUE(root.exists("/dev/disk/by-partuuid/1234"));
  EXPECT_FALSE(root.resolve("/sys/bus/pci/devices/0000:02:00.0"));
}

TEST_F(HostRootTest, ListsDirectoriesSorted) {
  HostRoot root(tree_.path());
  tree_.mkdir("sys/kernel/iommu_groups/3");
  tree_.mkdir("sys/kernel/iommu_groups/100");
  EXPECT_EQ(root.list_dir("/sys/kernel/iommu_groups"),
            (std::vector<std::string>{"100", "12", "3"}));
  EXPECT_TRUE(root.list_dir("/sys/kernel/missing").empty());
}

TEST_F(HostRootTest, StopsAtSymlinkLoops) {
  tree_.symlink("sys/loop-a", "loop-b");
  tree_.symlink("sys/loop-b", "loop-a");
  HostRoot root(tree_.path());
  EXPECT_FALSE(root.resolve("/sys/loop-a"));
}

TEST_F(HostRootTest, DirectoryAttributeIsUnknown) {
  // read() on a directory fails with EISDIR: unknown, not a crash.
  EXPECT_FALSE(HostRoot(tree_.path()).read_attr("/sys/kernel"));
}

}  // namespace
}  // namespace vfg
