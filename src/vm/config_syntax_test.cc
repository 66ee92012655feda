#include "vm/config_syntax.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

std::string pci(std::string_view text) {
  auto parts = parse_pci_address(text);
  return parts ? format_pci_address(*parts) : "invalid";
}

TEST(ConfigSyntax, PciAddresses) {
  EXPECT_EQ(pci("01:00.0"), "0000:01:00.0");
  EXPECT_EQ(pci("0000:0A:1f.7"), "0000:0a:1f.7");
  EXPECT_EQ(pci("10000:e1:00.1"), "10000:e1:00.1");  // Intel VMD domain
  EXPECT_EQ(pci("1:00.0"), "invalid");
  EXPECT_EQ(pci("01:20.0"), "invalid");  // device > 0x1f
  EXPECT_EQ(pci("01:00.8"), "invalid");
  EXPECT_EQ(pci("100000:01:00.0"), "invalid");
  EXPECT_EQ(pci("01:00"), "invalid");
  EXPECT_EQ(pci("xx:00.0"), "invalid");
}

TEST(ConfigSyntax, UsbPortsAndIds) {
  UsbHostConfig usb;
  ASSERT_TRUE(parse_usb_port("3-1.4.2", usb));
  EXPECT_EQ(usb.hostbus, 3u);
  EXPECT_EQ(usb.hostport, "1.4.2");
  ASSERT_TRUE(parse_usb_port("1-4", usb));
  EXPECT_EQ(usb.hostport, "4");
  EXPECT_FALSE(parse_usb_port("3", usb));
  EXPECT_FALSE(parse_usb_port("0-1", usb));
  EXPECT_FALSE(parse_usb_port("3-1..2", usb));
  EXPECT_FALSE(parse_usb_port("3-1.0", usb));
  EXPECT_FALSE(parse_usb_port("usb3-1", usb));
  ASSERT_TRUE(parse_usb_id("046d:C539", usb));
  EXPECT_EQ(usb.vendor_id, 0x046d);
  EXPECT_EQ(usb.product_id, 0xc539);
  EXPECT_FALSE(parse_usb_id("46d:c539", usb));
  EXPECT_FALSE(parse_usb_id("046d-c539", usb));
}

TEST(ConfigSyntax, PortForwardsAndMacs) {
  auto forward = parse_port_forward("tcp:3389:3389");
  ASSERT_TRUE(forward);
  EXPECT_EQ(forward->host_port, 3389);
  EXPECT_TRUE(forward->host_address.empty());
  forward = parse_port_forward("udp:127.0.0.1:27015:27016");
  ASSERT_TRUE(forward);
  EXPECT_EQ(forward->protocol, PortForward::Protocol::kUdp);
  EXPECT_EQ(forward->host_address, "127.0.0.1");
  EXPECT_FALSE(parse_port_forward("sctp:1:1"));
  EXPECT_FALSE(parse_port_forward("tcp:0:1"));
  EXPECT_FALSE(parse_port_forward("tcp:70000:1"));
  EXPECT_TRUE(valid_mac_address("52:54:00:12:34:56"));
  EXPECT_FALSE(valid_mac_address("53:54:00:12:34:56"));  // multicast bit
  EXPECT_FALSE(valid_mac_address("52:54:00:12:34"));
}

TEST(ConfigSyntax, UnstableBlockDeviceNames) {
  for (const char* name : {"/dev/nvme0n1p4", "/dev/nvme1n1", "/dev/sda", "/dev/sdb2", "/dev/vda1",
                           "/dev/dm-3", "/dev/mmcblk0p1", "/dev/loop0", "/dev/md0"}) {
    EXPECT_TRUE(is_unstable_block_device_name(name)) << name;
  }
  for (const char* name : {"/dev/disk/by-id/nvme-Samsung_SSD-part4", "/dev/disk/by-partuuid/1-2",
                           "/dev/mapper/vg-win", "/dev/vg0/win", "/dev/md/win"}) {
    EXPECT_FALSE(is_unstable_block_device_name(name)) << name;
  }
}

}  // namespace
}  // namespace vfg
