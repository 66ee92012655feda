#include "host/host_reading.h"

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;

// A copy of a captured host that the test may change under a reading.
class HostReadingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(testing::source_path("tests/fixtures/hosts/nvidia-turing"), tree_.path(),
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }

  testing::TempDir tree_;
};

TEST_F(HostReadingTest, ReadsEachPartOnceAndAgreesWithTheScanners) {
  HostRoot root(tree_.path());
  HostReading reading(root);
  const PciDevices& pci = reading.pci();
  EXPECT_EQ(pci.functions.size(), scan_pci(root).functions.size());
  EXPECT_EQ(reading.iommu_groups().groups.size(), scan_iommu_groups(root).groups.size());
  ASSERT_TRUE(reading.system_state());
  EXPECT_EQ(reading.system_state()->cmdline, read_system_state(root)->cmdline);

  // Changed underneath: the reading keeps what it read; a new one sees the change.
  fs::remove(tree_ / ("sys/bus/pci/devices/" + pci.functions.back().address.to_string()));
  tree_.write("proc/cmdline", "BOOT_IMAGE=/vmlinuz changed\n");
  EXPECT_EQ(&reading.pci(), &pci);
  EXPECT_EQ(reading.pci().functions.size(), scan_pci(root).functions.size() + 1);
  EXPECT_NE(reading.system_state()->cmdline, read_system_state(root)->cmdline);
  HostReading fresh(root);
  EXPECT_EQ(fresh.pci().functions.size(), pci.functions.size() - 1);
  EXPECT_EQ(fresh.system_state()->cmdline, read_system_state(root)->cmdline);
}

}  // namespace
}  // namespace vfg
