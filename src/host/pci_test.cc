#include "host/pci.h"

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

HostRoot fixture(const std::string& name) {
  return HostRoot(testing::source_path("tests/fixtures/hosts/" + name));
}

PciAddress addr(std::string_view text) { return PciAddress::parse(text).value(); }

TEST(PciAddressTest, ParsesAndFormats) {
  auto a = PciAddress::parse("0000:0a:00.3");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->domain, 0u);
  EXPECT_EQ(a->bus, 0x0a);
  EXPECT_EQ(a->device, 0);
  EXPECT_EQ(a->function, 3);
  EXPECT_EQ(a->to_string(), "0000:0a:00.3");
  EXPECT_EQ(PciAddress::parse("01:00.1")->to_string(), "0000:01:00.1");
  EXPECT_EQ(PciAddress::parse("10000:e1:00.0")->to_string(), "10000:e1:00.0");
  EXPECT_EQ(PciAddress::parse("10000:e1:00.0")->domain, 0x10000u);
}

TEST(PciAddressTest, RejectsJunk) {
  for (std::string_view bad : {"", "pci0000:00", "0000:01:00", "0000:01:20.0", "0000:01:00.8",
                               "0000:g1:00.0", "0000:001:00.0", "usb1", "0000:00:01.0:pcie002"})
    EXPECT_FALSE(PciAddress::parse(bad)) << bad;
}

TEST(PciAddressTest, OrdersByDomainThenBus) {
  EXPECT_LT(addr("0000:ff:1f.7"), addr("10000:00:00.0"));
  EXPECT_LT(addr("0000:01:00.0"), addr("0000:01:00.1"));
  EXPECT_TRUE(addr("0000:01:00.0").same_slot(addr("0000:01:00.3")));
  EXPECT_FALSE(addr("0000:01:00.0").same_slot(addr("0000:02:00.0")));
}

TEST(PciScanTest, ReadsEveryAttribute) {
  PciDevices devices = scan_pci(fixture("intel-igpu-nvidia"));
  const PciFunction* gpu = devices.find(addr("0000:01:00.0"));
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->vendor_id, 0x10de);
  EXPECT_EQ(gpu->device_id, 0x1b80);
  EXPECT_EQ(gpu->subsystem_vendor_id, 0x3842);
  EXPECT_EQ(gpu->subsystem_device_id, 0x6183);
  EXPECT_EQ(gpu->class_code, 0x030000u);
  EXPECT_EQ(gpu->class_id(), 0x0300);
  EXPECT_EQ(gpu->revision, 0xa1);
  EXPECT_EQ(gpu->driver, "vfio-pci");
  EXPECT_EQ(gpu->iommu_group, 1);
  EXPECT_EQ(gpu->boot_vga, false);
  ASSERT_TRUE(gpu->reset_methods);
  EXPECT_EQ(*gpu->reset_methods, std::vector<std::string>{"bus"});
  EXPECT_EQ(gpu->header_type, PciHeaderType::kNormal);
  EXPECT_EQ(gpu->parents, std::vector<PciAddress>{addr("0000:00:01.0")});
  EXPECT_EQ(gpu->sysfs_path, "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
  EXPECT_EQ(gpu->id_string(), "10de:1b80");

  const PciFunction* port = devices.find(addr("0000:00:01.0"));
  ASSERT_NE(port, nullptr);
  EXPECT_TRUE(port->is_bridge());
  EXPECT_EQ(port->driver, "pcieport");
  EXPECT_TRUE(port->parents.empty());
  EXPECT_FALSE(port->boot_vga);  // only VGA-class functions have boot_vga
  EXPECT_FALSE(devices.find(addr("0000:00:1f.0"))->driver);
  EXPECT_EQ(devices.slot(addr("0000:00:1f.0")).size(), 5u);
  EXPECT_TRUE(std::is_sorted(devices.functions.begin(), devices.functions.end(),
                             [](const auto& a, const auto& b) { return a.address < b.address; }));
}

TEST(PciScanTest, FollowsVmdDomains) {
  PciDevices devices = scan_pci(fixture("vmd"));
  const PciFunction* nvme = devices.find(addr("10000:e1:00.0"));
  ASSERT_NE(nvme, nullptr);
  EXPECT_EQ(nvme->driver, "nvme");
  EXPECT_FALSE(nvme->iommu_group);
  EXPECT_EQ(nvme->parents, (std::vector<PciAddress>{addr("0000:00:0e.0"), addr("10000:e0:1d.0")}));
  EXPECT_EQ(devices.functions.back().address, addr("10000:e1:00.0"));
}

TEST(PciScanTest, OddAttributesBecomeUnknown) {
  testing::TempDir tree;
  std::string dev = "sys/devices/pci0000:00/0000:00:02.0";
  tree.write(dev + "/vendor", "garbage\n");
  tree.write(dev + "/class", "");
  tree.write(dev + "/config", "\x86\x80");  // truncated
  tree.mkdir(dev + "/device");              // a directory where a file should be
  tree.symlink("sys/bus/pci/devices/0000:00:02.0", "../../../devices/pci0000:00/0000:00:02.0");
  tree.symlink("sys/bus/pci/devices/not-a-device", "../../../devices/pci0000:00");
  PciDevices devices = scan_pci(HostRoot(tree.path()));
  ASSERT_EQ(devices.functions.size(), 1u);
  const PciFunction& f = devices.functions[0];
  EXPECT_EQ(f.vendor_id, 0xffff);
  EXPECT_EQ(f.device_id, 0xffff);
  EXPECT_EQ(f.class_code, kPciClassUnknown);
  EXPECT_EQ(f.header_type, PciHeaderType::kUnknown);
  EXPECT_FALSE(f.revision);
  EXPECT_FALSE(f.reset_methods);
}

TEST(PciScanTest, NoPciIsEmpty) {
  testing::TempDir tree;
  EXPECT_TRUE(scan_pci(HostRoot(tree.path())).functions.empty());
}

TEST(PciScanTest, HeaderTypeFallsBackToClass) {
  EXPECT_EQ(header_type_from(0x81, 0x060400), PciHeaderType::kBridge);
  EXPECT_EQ(header_type_from(0x80, 0x060400), PciHeaderType::kNormal);
  EXPECT_EQ(header_type_from(std::nullopt, 0x060400), PciHeaderType::kBridge);
  EXPECT_EQ(header_type_from(std::nullopt, 0x060700), PciHeaderType::kCardBus);
  EXPECT_EQ(header_type_from(std::nullopt, 0x030000), PciHeaderType::kNormal);
  EXPECT_EQ(header_type_from(0x7f, kPciClassUnknown), PciHeaderType::kUnknown);
}

}  // namespace
}  // namespace vfg
