#include "vm/config_writer.h"

#include <gtest/gtest.h>

#include "vm/config_loader.h"

namespace vfg {
namespace {

/// Writes `config`, loads the text with the real loader and expects the same value back.
void expect_round_trip(const VmConfig& config) {
  std::string text = write_vm_config(config);
  ConfigParse parse = parse_vm_config(text, "rt.toml", config.name);
  ASSERT_FALSE(parse.diagnostics.has_errors()) << parse.diagnostics.render() << text;
  // The writer spells out every key that differs from its default, so the
  // loaded value written again gives the same text only if nothing was lost.
  EXPECT_EQ(write_vm_config(parse.config), text);
}

TEST(ConfigWriter, DefaultsRoundTrip) {
  VmConfig config;
  config.name = "plain";
  expect_round_trip(config);
}

TEST(ConfigWriter, EveryKeyRoundTrips) {
  VmConfig config;
  config.name = "full";
  config.os = GuestOs::kLinux;
  config.accel = Accel::kKvm;
  config.rtc_localtime = false;
  config.tpm = true;
  config.stop_timeout = std::chrono::seconds(90);
  config.extra_args = {"-device", "virtio-rng-pci,id=\"rng\"", "-global",
                       "kvm-pit.lost_tick_policy=discard"};
  config.memory = {16 * kGiB, true, HugePages::k1G, true};
  config.cpu.sockets = 1;
  config.cpu.cores = 6;
  config.cpu.threads = 2;
  config.cpu.model = "EPYC-Rome";
  config.cpu.hyperv = HypervProfile::kStealth;
  config.cpu.hv_vendor_id = "1234567890ab";
  config.cpu.host_phys_bits_limit = 39;
  config.cpu.pin.mode = CpuPin::Mode::kList;
  config.cpu.pin.host_cpus = {2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15};
  config.cpu.host_cores = 2;
  config.cpu.isolate = true;
  config.firmware.code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
  config.firmware.vars = "/usr/share/OVMF/OVMF_VARS_4M.fd";
  DiskConfig system;
  system.path = "/dev/disk/by-partuuid/0c7a7e0a-1f5e-4a7d-9e54-4d1a2b3c4d5e";
  system.bus = DiskBus::kVirtioScsi;
  system.cache = DiskCache::kDirectsync;
  system.aio = DiskAio::kIoUring;
  system.discard = false;
  system.boot_index = 1;
  system.serial = "ssd-1";
  DiskConfig image;
  image.path = "/home/a \"b\"/win.img";
  image.format = DiskFormat::kQcow2;
  image.cache = DiskCache::kUnsafe;
  image.aio = DiskAio::kThreads;
  image.read_only = true;
  DiskConfig iso;
  iso.path = "/isos/Win11_24H2.iso";
  iso.media = DiskMedia::kCdrom;
  iso.bus = DiskBus::kVirtioScsi;
  iso.boot_index = 2;
  config.disks = {system, image, iso};
  GpuConfig gpu;
  gpu.address = "0000:0b:00.0";
  gpu.all_functions = false;
  gpu.functions = {"0000:0b:00.1"};
  gpu.rom_file = "/var/lib/vbios/gp104.rom";
  gpu.x_vga = true;
  gpu.rom_bar = false;
  config.gpus = {gpu};
  UsbHostConfig by_port;
  by_port.hostbus = 3;
  by_port.hostport = "1.4.2";
  UsbHostConfig by_id;
  by_id.vendor_id = 0x046d;
  by_id.product_id = 0xc539;
  config.usb = {by_port, by_id};
  InputConfig keyboard{"/dev/input/by-id/usb-kbd-event-kbd", true, true, "scrolllock"};
  config.inputs = {keyboard};
  config.audio = {false, AudioBackend::kPulseaudio, "/run/user/1000/pulse/native"};
  config.network.mode = NetworkMode::kUser;
  config.network.model = NicModel::kE1000e;
  config.network.mac = "52:54:00:12:34:56";
  config.network.smb = "/srv/share";
  config.network.forwards = {{PortForward::Protocol::kTcp, "", 3389, 3389},
                             {PortForward::Protocol::kUdp, "127.0.0.1", 27015, 27015}};
  config.network.bridge = "virbr0";
  config.looking_glass = {
      true,          2560,          1440,      true, LookingGlassConfig::Backend::kShm,
      "/dev/kvmfr1", "/dev/shm/lg", 128 * kMiB};
  config.display = {DisplayConfig::Type::kSpice, "/run/user/1000/spice.sock"};
  config.boot = {"/boot/vmlinuz", "/boot/initrd.img", "console=ttyS0 quiet"};
  expect_round_trip(config);
  // And the values themselves, where a writer and loader could agree on a wrong spelling.
  ConfigParse parse = parse_vm_config(write_vm_config(config), "full.toml", "full");
  EXPECT_EQ(parse.config.cpu.pin.host_cpus, config.cpu.pin.host_cpus);
  EXPECT_EQ(parse.config.disks.at(1).path, "/home/a \"b\"/win.img");
  EXPECT_EQ(parse.config.disks.at(2).bus, DiskBus::kVirtioScsi);
  EXPECT_EQ(parse.config.usb.at(0).hostport, "1.4.2");
  EXPECT_EQ(parse.config.usb.at(1).product_id, 0xc539);
  EXPECT_EQ(parse.config.network.forwards.at(1).host_address, "127.0.0.1");
  EXPECT_EQ(parse.config.looking_glass.size, 128 * kMiB);
  EXPECT_EQ(parse.config.extra_args, config.extra_args);
  EXPECT_EQ(parse.config.memory.hugepages, HugePages::k1G);
  EXPECT_EQ(parse.config.stop_timeout.count(), 90);
}

TEST(ConfigWriter, TapNetworkAndBiosRoundTrip) {
  VmConfig config;
  config.name = "tap";
  config.network.mode = NetworkMode::kTap;
  config.network.tap = "tap0";
  config.firmware.type = FirmwareConfig::Type::kBios;
  config.cpu.pin.mode = CpuPin::Mode::kOff;
  config.looking_glass.size = 64 * kMiB;  // a size without enabling it is kept too
  expect_round_trip(config);
}

TEST(ConfigWriter, PlatformKeysRoundTrip) {
  VmConfig config;
  config.name = "platform";
  config.os = GuestOs::kLinux;
  config.platform.rtc_driftfix = true;
  config.platform.pit_lost_ticks = PlatformConfig::LostTicks::kDiscard;
  config.platform.hpet = false;
  config.platform.s3 = false;
  config.platform.s4 = true;
  config.platform.dump_guest_core = true;
  config.platform.guest_agent = true;
  expect_round_trip(config);
  ConfigParse parse = parse_vm_config(write_vm_config(config), "p.toml", "platform");
  EXPECT_EQ(parse.config.platform.pit_lost_ticks, PlatformConfig::LostTicks::kDiscard);
  EXPECT_EQ(parse.config.platform.s4, true);
  EXPECT_TRUE(parse.config.platform.guest_agent);
  // Unset keys stay unset, so a Windows guest keeps its per-OS defaults.
  config.platform = {};
  config.platform.hpet = true;
  std::string text = write_vm_config(config);
  EXPECT_NE(text.find("\n[platform]\nhpet = true\n"), std::string::npos) << text;
  parse = parse_vm_config(text, "p.toml", "platform");
  EXPECT_FALSE(parse.config.platform.s3.has_value());
  EXPECT_EQ(write_vm_config(VmConfig{}).find("[platform]"), std::string::npos);
}

TEST(ConfigWriter, CommentsGoWhereTheyAreAsked) {
  VmConfig config;
  config.name = "c";
  config.tpm = true;
  DefinitionComments comments;
  comments.header = {"VM 'c'.", ""};
  comments.before["memory"] = {"RAM"};
  comments.before["gpu"] = {"No GPU.", "[[gpu]]"};
  comments.before["cpu.cores"] = {"why"};
  comments.trailing["tpm"] = "TPM 2.0";
  comments.trailing["stop_timeout"] = "seconds";
  // A commented key is written even at its default, so its comment has a line.
  comments.trailing["platform.guest_agent"] = "true once qemu-ga runs";
  comments.trailing["platform.dump_guest_core"] = "no guest RAM in a core dump of QEMU";
  std::string text = write_vm_config(config, comments);
  EXPECT_EQ(text.rfind("# VM 'c'.\n#\n\nos = \"windows\"\n", 0), 0u) << text;
  EXPECT_NE(text.find("tpm = true             # TPM 2.0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("stop_timeout = 60      # seconds\n"), std::string::npos) << text;
  // Trailing comments of a block line up past its longest commented line.
  EXPECT_NE(text.find("\n[platform]\ndump_guest_core = false  # no guest RAM in a core dump of "
                      "QEMU\nguest_agent = false      # true once qemu-ga runs\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n# RAM\n[memory]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("threads"), std::string::npos);
  EXPECT_NE(text.find("sockets = 1\n# why\ncores = 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n\n# No GPU.\n# [[gpu]]\n\n[audio]\n"), std::string::npos) << text;
  ConfigParse parse = parse_vm_config(text, "c.toml", "c");
  EXPECT_FALSE(parse.diagnostics.has_errors()) << parse.diagnostics.render();
  EXPECT_TRUE(parse.config.tpm);
}

}  // namespace
}  // namespace vfg
