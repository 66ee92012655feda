#include "host/iommu.h"

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

HostRoot fixture(const std::string& name) {
  return HostRoot(testing::source_path("tests/fixtures/hosts/" + name));
}

PciAddress addr(std::string_view text) { return PciAddress::parse(text).value(); }

TEST(IommuTest, ReadsGroupsFromTheirDirectories) {
  IommuGroups groups = scan_iommu_groups(fixture("chipset-group"));
  EXPECT_TRUE(groups.enabled);
  const IommuGroup* chipset = groups.find(2);
  ASSERT_NE(chipset, nullptr);
  EXPECT_EQ(chipset->devices.front(), addr("0000:00:01.1"));
  EXPECT_EQ(chipset->devices.size(), 17u);
  EXPECT_EQ(groups.find(4), nullptr);  // numbers are not contiguous
  EXPECT_FALSE(groups.acs_override);
}

TEST(IommuTest, BlockersAreEndpointsWithHostDrivers) {
  HostRoot root = fixture("chipset-group");
  PciDevices devices = scan_pci(root);
  IommuGroups groups = scan_iommu_groups(root);
  auto blockers = group_blockers(*groups.find(2), devices);
  // Bridges (pcieport) never block; the NVMe, USB, SATA, NIC, GPU and audio do.
  EXPECT_EQ(blockers, (std::vector<PciAddress>{addr("0000:01:00.0"), addr("0000:03:00.0"),
                                               addr("0000:03:00.1"), addr("0000:21:00.0"),
                                               addr("0000:22:00.0"), addr("0000:22:00.1")}));
  EXPECT_EQ(group_endpoints(*groups.find(2), devices).size(), 6u);
}

TEST(IommuTest, VfioBoundGroupIsViable) {
  HostRoot root = fixture("intel-igpu-nvidia");
  PciDevices devices = scan_pci(root);
  IommuGroups groups = scan_iommu_groups(root);
  EXPECT_TRUE(group_blockers(*groups.find(1), devices).empty());
  EXPECT_FALSE(group_blockers(*groups.find(2), devices).empty());  // i915
}

TEST(IommuTest, DriverRules) {
  EXPECT_TRUE(driver_allows_vfio_group(std::nullopt));
  EXPECT_TRUE(driver_allows_vfio_group("vfio-pci"));
  EXPECT_TRUE(driver_allows_vfio_group("vfio-pci-core"));
  EXPECT_TRUE(driver_allows_vfio_group("pci-stub"));
  EXPECT_TRUE(driver_allows_vfio_group("pcieport"));
  EXPECT_FALSE(driver_allows_vfio_group("nvidia"));
  EXPECT_FALSE(driver_allows_vfio_group("xhci_hcd"));
}

TEST(IommuTest, NoGroupsMeansIommuOff) {
  testing::TempDir tree;
  tree.mkdir("sys/kernel/iommu_groups");
  tree.write("proc/cmdline", "root=/dev/sda1 pcie_acs_override=downstream,multifunction\n");
  IommuGroups groups = scan_iommu_groups(HostRoot(tree.path()));
  EXPECT_FALSE(groups.enabled);
  EXPECT_TRUE(groups.groups.empty());
  EXPECT_EQ(groups.acs_override, "downstream,multifunction");
}

TEST(IommuTest, KeepsNonPciMembers) {
  testing::TempDir tree;
  tree.symlink("sys/kernel/iommu_groups/7/devices/AMDI0010:00", "../../../../devices/platform/x");
  tree.symlink("sys/kernel/iommu_groups/31/devices/0000:00:01.0",
               "../../../../devices/pci0000:00/0000:00:01.0");
  tree.mkdir("sys/kernel/iommu_groups/junk");
  IommuGroups groups = scan_iommu_groups(HostRoot(tree.path()));
  ASSERT_EQ(groups.groups.size(), 2u);
  EXPECT_EQ(groups.groups[0].number, 7);
  EXPECT_EQ(groups.groups[0].other_devices, std::vector<std::string>{"AMDI0010:00"});
  EXPECT_EQ(groups.groups[1].number, 31);
}

}  // namespace
}  // namespace vfg
