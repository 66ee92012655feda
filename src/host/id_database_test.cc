#include "host/id_database.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

constexpr std::string_view kIds =
    "# comment\n"
    "#\t0000  not a device\n"
    "1002  Advanced Micro Devices, Inc. [AMD/ATI]\n"
    "\t73bf  Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]\n"
    "\t\t1002 0e3a  Radeon RX 6900 XT\n"
    "\tab28  Navi 21/23 HDMI/DP Audio Controller\n"
    "10de  NVIDIA Corporation\n"
    "\t1b80  GP104 [GeForce GTX 1080]\n"
    "\t\t3842 6183  GeForce GTX 1080 SC\n"
    "\t2204  GA102 [GeForce RTX 3090]\n"
    "C 03  Display controller\n"
    "\t00  VGA compatible controller\n"
    "\t\t00  VGA controller\n"
    "\t02  3D controller\n"
    "C 0c  Serial bus controller\n"
    "\t03  USB controller\n";

TEST(IdDatabaseTest, LooksUpVendorsDevicesSubsystemsAndClasses) {
  testing::TempDir dir;
  IdDatabase ids(dir.write("pci.ids", kIds));
  ASSERT_TRUE(ids.loaded());
  EXPECT_EQ(ids.vendor(0x10de), "NVIDIA Corporation");
  EXPECT_EQ(ids.device(0x10de, 0x2204), "GA102 [GeForce RTX 3090]");
  EXPECT_EQ(ids.device(0x1002, 0xab28), "Navi 21/23 HDMI/DP Audio Controller");
  EXPECT_EQ(ids.subsystem(0x10de, 0x1b80, 0x3842, 0x6183), "GeForce GTX 1080 SC");
  EXPECT_EQ(ids.subsystem(0x10de, 0x2204, 0x3842, 0x6183), "");
  EXPECT_EQ(ids.vendor(0x0000), "");
  EXPECT_EQ(ids.device(0x10de, 0xffff), "");
  EXPECT_EQ(ids.pci_class(0x030000), "VGA compatible controller");
  EXPECT_EQ(ids.pci_class(0x030200), "3D controller");
  EXPECT_EQ(ids.pci_class(0x038000), "Display controller");
  EXPECT_EQ(ids.pci_class(0x0c0330), "USB controller");
  EXPECT_EQ(ids.pci_class(0x990000), "");
}

TEST(IdDatabaseTest, MissingFileIsEmpty) {
  IdDatabase ids("/nonexistent/pci.ids");
  EXPECT_FALSE(ids.loaded());
  EXPECT_EQ(ids.vendor(0x10de), "");
  EXPECT_EQ(ids.pci_class(0x030000), "");
}

TEST(IdDatabaseTest, ReadsTheInstalledDatabase) {
  const IdDatabase& pci = IdDatabase::pci();
  ASSERT_TRUE(pci.loaded()) << "hwdata (pci.ids) is a declared dependency";
  EXPECT_EQ(pci.vendor(0x8086), "Intel Corporation");
  EXPECT_NE(pci.device(0x10de, 0x2204).find("3090"), std::string::npos);
  const IdDatabase& usb = IdDatabase::usb();
  ASSERT_TRUE(usb.loaded());
  EXPECT_EQ(usb.vendor(0x1d6b), "Linux Foundation");
  EXPECT_EQ(usb.device(0x1d6b, 0x0003), "3.0 root hub");
}

}  // namespace
}  // namespace vfg
