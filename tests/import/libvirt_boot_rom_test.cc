// What the corpus does not show of a domain's boot order, boot menu, host
// device ROMs and sound codecs: each is carried or has its line, never dropped.
#include <algorithm>

#include <gtest/gtest.h>

#include "import/from_libvirt.h"
#include "support/import_fixture.h"

namespace vfg {
namespace {

/// The fixture host with a Vega card (03:00.0 and its HDMI audio 03:00.1) and an NVMe drive
/// (04:00.0).
ImportHost apu_host() { return testing::fixture_import_host("amd-apu-dgpu"); }

/// The first report line for `source`, as "KIND: DETAIL" ("" when there is none).
std::string line_for(const ImportResult& result, const std::string& source) {
  auto lines = testing::report_lines(result, source);
  return lines.empty() ? "" : lines.front();
}

const char* const kDomainHead = R"(<domain type='kvm'>
  <name>t</name>
  <memory unit='GiB'>8</memory>
  <vcpu>4</vcpu>
)";

TEST(LibvirtBootOrder, OsBootDevicesGoToTheFirstDiskOfEachKind) {
  std::string xml = std::string(kDomainHead) + R"(
  <os>
    <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>
    <boot dev='cdrom'/>
    <boot dev='network'/>
    <boot dev='hd'/>
    <bootmenu enable='yes' timeout='2500'/>
  </os>
  <devices>
    <disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
    <disk type='file' device='disk'><source file='/vm/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><source file='/vm/b.qcow2'/><target dev='vdb' bus='virtio'/></disk>
  </devices>
</domain>)";
  auto result = import_libvirt_domain(xml, "t", apu_host());
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->config.disks.size(), 2u);
  EXPECT_EQ(result->config.disks[0].boot_index, 3u);  // hd is the third boot device
  EXPECT_FALSE(result->config.disks[1].boot_index.has_value());
  EXPECT_EQ(line_for(*result, "<os><boot dev='hd'>"),
            "carried: boot_index = 3 on [[disk]] path = \"/vm/a.qcow2\"");
  EXPECT_EQ(line_for(*result, "<os><boot dev='cdrom'>"),
            "not carried: libvirt boots the domain's first cdrom, which is not carried (its line "
            "says why)");
  EXPECT_EQ(line_for(*result, "<os><boot dev='network'>"),
            "not carried: vfg has no key for booting from the network");
  std::vector<std::string> menu = {"-boot", "menu=on,splash-time=2500"};
  EXPECT_NE(std::search(result->config.extra_args.begin(), result->config.extra_args.end(),
                        menu.begin(), menu.end()),
            result->config.extra_args.end());
  EXPECT_EQ(line_for(*result, "<os><bootmenu enable='yes'>"),
            "not carried: vfg has no key for the firmware's boot menu; kept in extra_args as "
            "-boot menu=on,splash-time=2500");
}

TEST(LibvirtBootOrder, DevicesOwnOrderWinsOverOsBoot) {
  std::string xml = std::string(kDomainHead) + R"(
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><source file='/vm/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><source file='/vm/b.qcow2'/><target dev='vdb' bus='virtio'/><boot order='1'/></disk>
  </devices>
</domain>)";
  auto result = import_libvirt_domain(xml, "t", apu_host());
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->config.disks.size(), 2u);
  EXPECT_FALSE(result->config.disks[0].boot_index.has_value());
  EXPECT_EQ(result->config.disks[1].boot_index, 1u);
  EXPECT_EQ(line_for(*result, "<os><boot dev='hd'>"),
            "changed: the devices' own <boot order> is the boot order (boot_index)");
}

TEST(LibvirtHostdevRom, WhatVfgCannotSayIsReportedAndOtherDevicesKeepIt) {
  std::string xml = std::string(kDomainHead) + R"(
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source>
      <rom enabled='no'/>
      <boot order='2'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>
      <rom file='/roms/audio.rom'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></source>
      <rom bar='off' file='/roms/nvme,1.rom'/>
      <boot order='1'/>
    </hostdev>
    <interface type='user'><model type='virtio'/><boot order='3'/></interface>
    <sound model='ich9'><codec type='output'/></sound>
  </devices>
</domain>)";
  auto result = import_libvirt_domain(xml, "t", apu_host());
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->config.gpus.size(), 1u);
  EXPECT_EQ(result->config.gpus[0].rom_file, "");  // enabled='no': no ROM, not the card's own
  EXPECT_EQ(line_for(*result, "<hostdev> 0000:03:00.0 <rom enabled='no'>"),
            "not carried: vfg has no key to give a card no ROM at all; the guest sees the "
            "card's own");
  EXPECT_EQ(line_for(*result, "<hostdev> 0000:03:00.0 <boot order>"),
            "not carried: vfg has no key for booting from a passed graphics card");
  EXPECT_EQ(line_for(*result, "<hostdev> 0000:03:00.1 <rom file>"),
            "not carried: [[gpu]] rom is the ROM of the card's first function only");
  // The NVMe drive is passed as libvirt passes it, ROM and boot index included.
  std::vector<std::string> nvme = {"-device",
                                   "vfio-pci,host=0000:04:00.0,rombar=0,romfile=/roms/nvme,,1.rom,"
                                   "bootindex=1"};
  EXPECT_NE(std::search(result->config.extra_args.begin(), result->config.extra_args.end(),
                        nvme.begin(), nvme.end()),
            result->config.extra_args.end())
      << ::testing::PrintToString(result->config.extra_args);
  EXPECT_EQ(line_for(*result, "<interface><boot order>"),
            "not carried: vfg has no key for booting from the network");
  EXPECT_TRUE(result->config.audio.enabled);
  EXPECT_EQ(line_for(*result, "<sound><codec type='output'>"),
            "changed: hda-output: vfg's codec is hda-duplex (line out and line in, what "
            "Windows' HD Audio driver expects)");
}

TEST(LibvirtHostdevRom, TheCardsHiddenRomBarBecomesRomBarFalse) {
  std::string xml = std::string(kDomainHead) + R"(
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source>
      <rom bar='off' file='/roms/vega.rom'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>
      <rom bar='off'/>
    </hostdev>
  </devices>
</domain>)";
  auto result = import_libvirt_domain(xml, "t", apu_host());
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->config.gpus.size(), 1u);
  EXPECT_FALSE(result->config.gpus[0].rom_bar);
  EXPECT_EQ(result->config.gpus[0].rom_file, "/roms/vega.rom");
  EXPECT_EQ(line_for(*result, "<hostdev> 0000:03:00.0 <rom bar='off'>"),
            "carried: rom_bar = false");
  EXPECT_EQ(line_for(*result, "<hostdev> 0000:03:00.1 <rom bar='off'>"),
            "not carried: [[gpu]] rom_bar is for the card's first function only; the guest sees "
            "this function's ROM BAR");
}

TEST(LibvirtDeviceChildren, EveryChildVfgDoesNotReadHasItsLine) {
  std::string xml = std::string(kDomainHead) + R"(
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/vm/a.qcow2'/><target dev='vda' bus='virtio'/>
      <iotune><total_iops_sec>5000</total_iops_sec></iotune>
      <shareable/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <interface type='user'>
      <model type='virtio'/><driver name='vhost' queues='4'/><link state='up'/>
    </interface>
  </devices>
</domain>)";
  auto result = import_libvirt_domain(xml, "t", apu_host());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(line_for(*result, "<disk /vm/a.qcow2> <iotune>"), "not carried: vfg has no key for it");
  EXPECT_EQ(line_for(*result, "<disk /vm/a.qcow2> <shareable>"),
            "not carried: vfg has no key for it");
  EXPECT_EQ(line_for(*result, "<disk /vm/a.qcow2> <address>"), "");  // libvirt's placement
  EXPECT_EQ(line_for(*result, "<interface> <driver>"), "not carried: vfg has no key for it");
  EXPECT_EQ(line_for(*result, "<interface> <link>"), "not carried: vfg has no key for it");
}

}  // namespace
}  // namespace vfg
