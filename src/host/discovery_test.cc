// USB, input, disk and CPU discovery over the fixture machines.
#include <gtest/gtest.h>

#include "host/block.h"
#include "host/cpu_topology.h"
#include "host/input.h"
#include "host/usb.h"
#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

HostRoot fixture(const std::string& name) {
  return HostRoot(testing::source_path("tests/fixtures/hosts/" + name));
}

const UsbDevice* usb_named(const UsbDevices& usb, std::string_view name) {
  for (const auto& d : usb.devices)
    if (d.name == name) return &d;
  return nullptr;
}

TEST(UsbTest, ReadsPortsIdsAndController) {
  UsbDevices usb = scan_usb(fixture("intel-igpu-nvidia"));
  ASSERT_EQ(usb.devices.size(), 8u);
  EXPECT_EQ(usb.devices[0].name, "usb1");
  EXPECT_TRUE(usb.devices[0].is_root_hub());
  const UsbDevice* receiver = usb_named(usb, "1-3.1");
  ASSERT_NE(receiver, nullptr);
  EXPECT_EQ(receiver->bus, 1);
  EXPECT_EQ(receiver->port, "3.1");
  EXPECT_EQ(receiver->id_string(), "046d:c52b");
  EXPECT_EQ(receiver->manufacturer, "Logitech");
  EXPECT_EQ(receiver->product, "USB Receiver");
  EXPECT_EQ(receiver->speed, "12");
  EXPECT_EQ(receiver->controller, PciAddress::parse("0000:00:14.0"));
  EXPECT_EQ(receiver->interface_drivers, std::vector<std::string>{"usbhid"});
  EXPECT_TRUE(usb_named(usb, "1-3")->is_hub());
  // Ports sort numerically: 1-3 < 1-3.1 < 1-10.
  std::vector<std::string> order;
  for (const auto& d : usb.devices) order.push_back(d.name);
  EXPECT_EQ(order, (std::vector<std::string>{"usb1", "1-3", "1-3.1", "1-3.4", "1-10", "1-11",
                                             "usb2", "2-2"}));
}

TEST(UsbTest, DeviceNames) {
  EXPECT_TRUE(is_usb_device_name("usb3"));
  EXPECT_TRUE(is_usb_device_name("3-1.4.2"));
  EXPECT_FALSE(is_usb_device_name("3-1.4:1.0"));
  EXPECT_FALSE(is_usb_device_name("1-0:1.0"));
  EXPECT_FALSE(is_usb_device_name("usb"));
  EXPECT_FALSE(is_usb_device_name("-1"));
}

TEST(InputTest, KindsAndStableNames) {
  auto input = scan_input(fixture("hybrid-laptop"));
  ASSERT_EQ(input.size(), 5u);
  EXPECT_EQ(input[0].name, "Power Button");
  EXPECT_EQ(input[0].kind, InputKind::kOther);
  EXPECT_EQ(input[1].kind, InputKind::kKeyboard);  // by-path "-event-kbd"
  EXPECT_FALSE(input[1].usb_device);
  EXPECT_EQ(input[3].by_id,
            std::vector<std::string>{"/dev/input/by-id/usb-Logitech_USB_Receiver-event-kbd"});
  EXPECT_EQ(input[3].usb_device, "3-2");
  EXPECT_EQ(input[4].kind, InputKind::kMouse);
}

TEST(InputTest, KindFromCapabilities) {
  EXPECT_EQ(input_kind_from_capabilities("120013",
                                         "1000000000007 ff9f207ac14057ff "
                                         "febeffdfffefffff fffffffffffffffe",
                                         "0"),
            InputKind::kKeyboard);
  EXPECT_EQ(input_kind_from_capabilities("17", "1f0000 0 0 0 0", "1943"), InputKind::kMouse);
  EXPECT_EQ(input_kind_from_capabilities("20000b", "7cdb000000000000 0 0 0 0", "0"),
            InputKind::kGamepad);
  EXPECT_EQ(input_kind_from_capabilities("3", "10000000000000 0", "0"), InputKind::kOther);
  EXPECT_EQ(input_kind_from_capabilities("", "", ""), InputKind::kOther);
}

TEST(BlockTest, DiskUsageAndStableNames) {
  auto disks = scan_disks(fixture("intel-igpu-nvidia"));
  ASSERT_EQ(disks.size(), 3u);
  const Disk& nvme = disks[0];
  EXPECT_EQ(nvme.name, "nvme0n1");
  EXPECT_EQ(nvme.model, "Samsung SSD 970 EVO Plus 1TB");
  EXPECT_EQ(nvme.serial, "S4EWNX0R123456A");
  EXPECT_EQ(nvme.transport, "nvme");
  EXPECT_EQ(nvme.size_bytes, 1000000000000u - 1000000000000u % 512);
  EXPECT_EQ(nvme.stable_path(),
            "/dev/disk/by-id/nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R123456A");
  EXPECT_TRUE(nvme.usage.root);
  EXPECT_TRUE(nvme.usage.swap);
  EXPECT_FALSE(nvme.offerable());
  ASSERT_EQ(nvme.partitions.size(), 3u);
  EXPECT_EQ(nvme.partitions[1].usage.mounts, std::vector<std::string>{"/"});
  EXPECT_EQ(nvme.partitions[1].partuuid, "8b9c0d1e-2f3a-4b5c-9d6e-7f8091a2b3c4");
  EXPECT_EQ(nvme.partitions[1].fs_type, "ext4");
  const Disk& windows = disks[1];
  EXPECT_EQ(windows.name, "sda");
  EXPECT_EQ(windows.model, "Samsung SSD 860 EVO 1TB");
  EXPECT_TRUE(windows.offerable());
  EXPECT_EQ(disks[2].usage.mounts, std::vector<std::string>{"/mnt/games"});
}

TEST(BlockTest, LvmOnLuksHoldsRoot) {
  auto disks = scan_disks(fixture("hybrid-laptop"));
  ASSERT_EQ(disks.size(), 1u);
  const Partition& crypt = disks[0].partitions[2];
  EXPECT_TRUE(crypt.usage.root);
  EXPECT_TRUE(crypt.usage.swap);
  EXPECT_EQ(crypt.usage.holders, std::vector<std::string>{"dm-0 (nvme0n1p3_crypt)"});
}

TEST(BlockTest, RaidMembersAreNeverOffered) {
  auto disks = scan_disks(fixture("server-bmc"));
  ASSERT_EQ(disks.size(), 4u);
  EXPECT_FALSE(disks[0].offerable());
  EXPECT_FALSE(disks[1].offerable());  // not mounted itself, but in the RAID under /
  EXPECT_TRUE(disks[1].usage.root);
  EXPECT_TRUE(disks[2].offerable());
  EXPECT_TRUE(disks[3].rotational);
}

TEST(CpuTest, AmdCcxGroupsAndSiblings) {
  CpuTopology cpu = scan_cpu_topology(fixture("nvidia-turing"));
  EXPECT_EQ(cpu.model_name, "AMD Ryzen 9 3900X 12-Core Processor");
  EXPECT_EQ(cpu.online.size(), 24u);
  EXPECT_EQ(cpu.cores.size(), 12u);
  EXPECT_EQ(cpu.threads_per_core(), 2);
  ASSERT_EQ(cpu.l3_groups.size(), 4u);
  EXPECT_EQ(format_cpu_list(cpu.l3_groups[1]), "3-5,15-17");
  EXPECT_EQ(cpu.cores[3].threads, (std::vector<int>{3, 15}));
  EXPECT_EQ(cpu.cores[3].l3_group, 1);
  EXPECT_EQ(cpu.cores[3].core_id, 4);  // core ids have gaps
  EXPECT_FALSE(cpu.hybrid);
  EXPECT_EQ(cpu.core_of(15), &cpu.cores[3]);
}

TEST(CpuTest, IntelHybridAndIsolation) {
  CpuTopology cpu = scan_cpu_topology(fixture("intel-arc"));
  EXPECT_TRUE(cpu.hybrid);
  EXPECT_EQ(cpu.cores.size(), 16u);
  EXPECT_EQ(cpu.cores[0].type, CoreType::kPerformance);
  EXPECT_EQ(cpu.cores[0].threads, (std::vector<int>{0, 1}));
  EXPECT_EQ(cpu.cores[15].type, CoreType::kEfficiency);
  EXPECT_EQ(cpu.cores[15].threads, std::vector<int>{23});
  EXPECT_EQ(format_cpu_list(cpu.isolated), "4-7,20-23");
  EXPECT_EQ(format_cpu_list(cpu.nohz_full), "4-7,20-23");
}

TEST(CpuTest, NumaNodes) {
  CpuTopology cpu = scan_cpu_topology(fixture("server-bmc"));
  ASSERT_EQ(cpu.numa_nodes.size(), 2u);
  EXPECT_EQ(format_cpu_list(cpu.numa_nodes[1].cpus), "10-19,30-39");
  EXPECT_EQ(cpu.packages, (std::vector<int>{0, 1}));
  EXPECT_EQ(cpu.cores[10].numa_node, 1);
}

TEST(CpuTest, CpuLists) {
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(parse_cpu_list(""), std::vector<int>{});
  EXPECT_FALSE(parse_cpu_list("3-1"));
  EXPECT_FALSE(parse_cpu_list("a"));
  EXPECT_EQ(format_cpu_list({5, 0, 1, 2, 7, 8}), "0-2,5,7-8");
}

TEST(CpuTest, EmptyTreeIsUnknownNotAnError) {
  testing::TempDir tree;
  CpuTopology cpu = scan_cpu_topology(HostRoot(tree.path()));
  EXPECT_TRUE(cpu.cores.empty());
  EXPECT_TRUE(scan_disks(HostRoot(tree.path())).empty());
  EXPECT_TRUE(scan_usb(HostRoot(tree.path())).devices.empty());
  EXPECT_TRUE(scan_input(HostRoot(tree.path())).empty());
}

}  // namespace
}  // namespace vfg
