#include "vm/config_loader.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

/// Every diagnostic of a definition, rendered as the user sees it.
std::string problems(const std::string& text) {
  return parse_vm_config(text, "vm.toml", "vm").diagnostics.render();
}

TEST(ConfigLoader, AnEmptyFileIsAValidWindowsVm) {
  ConfigParse parse = parse_vm_config("", "vm.toml", "vm");
  EXPECT_EQ(parse.diagnostics.render(), "");
  EXPECT_EQ(parse.config.name, "vm");
  EXPECT_EQ(parse.config.os, GuestOs::kWindows);
  EXPECT_EQ(parse.config.memory.size, 8 * kGiB);
}

TEST(ConfigLoader, ReadsEverySection) {
  ConfigParse parse = parse_vm_config(R"(
os = "windows"
accel = "kvm"
tpm = true
stop_timeout = 90
rtc_localtime = false
extra_args = ["-global", "ICH9-LPC.disable_s3=1"]

[memory]
size = "16G"
prealloc = true
hugepages = "1G"
lock = true

[cpu]
sockets = 1
cores = 6
threads = 2
hyperv = "stealth"
host_phys_bits_limit = 39
pin = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]

[firmware]
secure_boot = true

[[disk]]
path = "/home/u/win.qcow2"
boot_index = 1

[[disk]]
path = "/dev/disk/by-partuuid/1234-5678"
bus = "virtio-scsi"
aio = "io_uring"

[[disk]]
path = "/home/u/win11.iso"
media = "cdrom"

[[gpu]]
address = "01:00.0"
rom = "/home/u/vbios.rom"

[[gpu]]
address = "10000:e1:00.0"
functions = ["10000:e1:00.1"]
rom_bar = false

[[usb]]
port = "3-1.4.2"

[[usb]]
id = "046D:C539"

[[input]]
evdev = "/dev/input/by-id/usb-kbd-event-kbd"
grab_all = true
grab_toggle = "scrolllock"

[audio]
backend = "pulseaudio"

[network]
smb = "/home/u/share"
forwards = ["tcp:3389:3389", "udp:127.0.0.1:27015:27016"]

[looking_glass]
enabled = true
width = 2560
height = 1440
backend = "shm"

[display]
type = "spice"

[boot]
kernel = "/boot/vmlinuz"
append = "console=ttyS0"
)",
                                      "vm.toml", "vm");
  ASSERT_EQ(parse.diagnostics.render(), "");
  const VmConfig& c = parse.config;
  EXPECT_EQ(c.accel, Accel::kKvm);
  EXPECT_TRUE(c.tpm);
  EXPECT_EQ(c.stop_timeout.count(), 90);
  EXPECT_EQ(c.rtc_localtime, false);
  EXPECT_EQ(c.extra_args.size(), 2u);
  EXPECT_EQ(c.memory.size, 16 * kGiB);
  EXPECT_TRUE(c.memory.prealloc);
  EXPECT_EQ(c.memory.hugepages, HugePages::k1G);
  EXPECT_EQ(c.cpu.vcpus(), 12u);
  EXPECT_EQ(c.cpu.hyperv, HypervProfile::kStealth);
  EXPECT_EQ(c.cpu.host_phys_bits_limit, 39u);
  EXPECT_EQ(c.cpu.pin.mode, CpuPin::Mode::kList);
  EXPECT_EQ(c.cpu.pin.host_cpus.size(), 12u);
  EXPECT_TRUE(c.firmware.secure_boot);
  ASSERT_EQ(c.disks.size(), 3u);
  EXPECT_EQ(c.disks[0].boot_index, 1u);
  EXPECT_EQ(c.disks[1].bus, DiskBus::kVirtioScsi);
  EXPECT_EQ(c.disks[1].aio, DiskAio::kIoUring);
  EXPECT_EQ(c.disks[2].media, DiskMedia::kCdrom);
  EXPECT_EQ(c.disks[2].bus, DiskBus::kSata);
  ASSERT_EQ(c.gpus.size(), 2u);
  EXPECT_EQ(c.gpus[0].address, "0000:01:00.0");
  EXPECT_TRUE(c.gpus[0].all_functions);
  EXPECT_EQ(c.gpus[0].rom_file, "/home/u/vbios.rom");
  EXPECT_TRUE(c.gpus[0].rom_bar);
  EXPECT_EQ(c.gpus[1].address, "10000:e1:00.0");
  EXPECT_FALSE(c.gpus[1].all_functions);
  EXPECT_EQ(c.gpus[1].functions, std::vector<std::string>{"10000:e1:00.1"});
  EXPECT_FALSE(c.gpus[1].rom_bar);
  ASSERT_EQ(c.usb.size(), 2u);
  EXPECT_EQ(c.usb[0].hostbus, 3u);
  EXPECT_EQ(c.usb[0].hostport, "1.4.2");
  EXPECT_EQ(c.usb[1].vendor_id, 0x046d);
  EXPECT_EQ(c.usb[1].product_id, 0xc539);
  ASSERT_EQ(c.inputs.size(), 1u);
  EXPECT_TRUE(c.inputs[0].grab_all);
  EXPECT_EQ(c.inputs[0].grab_toggle, "scrolllock");
  EXPECT_EQ(c.audio.backend, AudioBackend::kPulseaudio);
  EXPECT_EQ(c.network.smb, "/home/u/share");
  ASSERT_EQ(c.network.forwards.size(), 2u);
  EXPECT_EQ(c.network.forwards[1].protocol, PortForward::Protocol::kUdp);
  EXPECT_EQ(c.network.forwards[1].host_address, "127.0.0.1");
  EXPECT_EQ(c.network.forwards[1].host_port, 27015);
  EXPECT_EQ(c.network.forwards[1].guest_port, 27016);
  EXPECT_TRUE(c.looking_glass.enabled);
  EXPECT_EQ(c.looking_glass.backend, LookingGlassConfig::Backend::kShm);
  EXPECT_EQ(c.display.type, DisplayConfig::Type::kSpice);
  EXPECT_EQ(c.boot.kernel, "/boot/vmlinuz");
}

TEST(ConfigLoader, ReportsTomlSyntaxErrorsWithTheirPosition) {
  EXPECT_EQ(problems("[memory]\nsize = \"16G\nprealloc = true\n"),
            "vm.toml:2:12: error: Error while parsing string: unescaped control characters other "
            "than TAB (U+0009) are explicitly prohibited\n");
}

TEST(ConfigLoader, ReportsEveryProblemOfAFileInOneRun) {
  EXPECT_EQ(problems(R"(
acel = "kvm"
[memory]
sise = "16G"
[cpu]
cores = "six"
threads = 0
)"),
            "vm.toml:2:1: error: key 'acel': unknown key; did you mean 'accel'?\n"
            "vm.toml:4:1: error: key 'memory.sise': unknown key; did you mean 'memory.size'?\n"
            "vm.toml:6:9: error: key 'cpu.cores': expected an integer, got a string\n"
            "vm.toml:7:11: error: key 'cpu.threads': 0 is out of range; use 1..8\n");
}

TEST(ConfigLoader, UnknownKeysWithoutACloseMatchGetNoSuggestion) {
  EXPECT_EQ(problems("[network]\nfirewall = true\n"),
            "vm.toml:2:1: error: key 'network.firewall': unknown key\n");
  EXPECT_EQ(
      problems("[[disk]]\npath = \"/a.raw\"\ncahce = \"none\"\n"),
      "vm.toml:3:1: error: key 'disk[0].cahce': unknown key; did you mean 'disk[0].cache'?\n");
}

TEST(ConfigLoader, PointsMisplacedKeysAtTheirTable) {
  EXPECT_EQ(problems("prealloc = true\n"),
            "vm.toml:1:1: error: key 'prealloc': unknown key; did you mean 'memory.prealloc'?\n");
  EXPECT_EQ(problems("[cpu]\nhugepages = \"1G\"\n"),
            "vm.toml:2:1: error: key 'cpu.hugepages': unknown key; did you mean "
            "'memory.hugepages'?\n");
  EXPECT_EQ(problems("[memory]\nboot_index = 1\n"),
            "vm.toml:2:1: error: key 'memory.boot_index': unknown key; 'boot_index' belongs in a "
            "[[disk]] table\n");
}

TEST(ConfigLoader, ReportsTypeAndEnumErrors) {
  EXPECT_EQ(problems("os = \"windwos\"\n"),
            "vm.toml:1:6: error: key 'os': 'windwos' is not one of windows, linux, other; did you "
            "mean 'windows'?\n");
  EXPECT_EQ(problems("accel = 1\n"),
            "vm.toml:1:9: error: key 'accel': expected a string, got an integer\n");
  EXPECT_EQ(problems("[audio]\nbackend = \"pipewre\"\n"),
            "vm.toml:2:11: error: key 'audio.backend': 'pipewre' is not one of auto, pipewire, "
            "pulseaudio, none; did you mean 'pipewire'?\n");
  EXPECT_EQ(problems("memory = 4\n"),
            "vm.toml:1:10: error: key 'memory': expected a table, got an integer\n");
  EXPECT_EQ(problems("disk = 1\n"),
            "vm.toml:1:8: error: key 'disk': expected an array of tables ([[disk]]), got an "
            "integer\n");
  EXPECT_EQ(problems("extra_args = [\"-s\", 2]\n"),
            "vm.toml:1:21: error: key 'extra_args[1]': expected a string, got an integer\n");
  EXPECT_EQ(problems("stop_timeout = 0\n"),
            "vm.toml:1:16: error: key 'stop_timeout': 0 is out of range; use 1..3600\n");
  EXPECT_EQ(problems("name = \"other\"\n"),
            "vm.toml:1:8: error: key 'name': 'other' differs from the file's name 'vm'; remove "
            "the key or rename the file\n");
}

TEST(ConfigLoader, ReportsSizeErrors) {
  EXPECT_EQ(problems("[memory]\nsize = 16\n"),
            "vm.toml:2:8: error: key 'memory.size': expected a size such as \"16G\" or \"512M\", "
            "got an integer\n");
  EXPECT_EQ(problems("[memory]\nsize = \"16 gigs\"\n"),
            "vm.toml:2:8: error: key 'memory.size': '16 gigs' is not a size; write a number and a "
            "unit, such as \"16G\" or \"512M\"\n");
  EXPECT_EQ(problems("[memory]\nsize = \"64M\"\n"),
            "vm.toml:2:8: error: key 'memory.size': 64 MiB is too small; give the guest at least "
            "128M\n");
  EXPECT_EQ(problems("[memory]\nsize = \"3G\"\nhugepages = \"2G\"\n"),
            "vm.toml:3:13: error: key 'memory.hugepages': '2G' is not one of 2M, 1G; did you mean "
            "'2M'?\n");
  EXPECT_EQ(problems("[memory]\nsize = \"1536M\"\nhugepages = \"1G\"\n"),
            "vm.toml:2:8: error: key 'memory.size': 1.5 GiB is not a multiple of the 1 GiB huge "
            "page size; round it to whole pages\n");
  EXPECT_EQ(problems("[memory]\nhugepages = true\n"),
            "vm.toml:2:13: error: key 'memory.hugepages': say which size: \"2M\" or \"1G\" (or "
            "false for none)\n");
}

TEST(ConfigLoader, ReportsCpuErrors) {
  EXPECT_EQ(problems("[cpu]\nhyperv = \"fast\"\n"),
            "vm.toml:2:10: error: key 'cpu.hyperv': 'fast' is not one of performance, stealth, "
            "off\n");
  EXPECT_EQ(problems("[cpu]\nhv_vendor_id = \"ThirteenChars\"\n"),
            "vm.toml:2:16: error: key 'cpu.hv_vendor_id': 'ThirteenChars' is 13 characters long; "
            "QEMU allows at most 12\n");
  EXPECT_EQ(problems("[cpu]\nhost_phys_bits_limit = 64\n"),
            "vm.toml:2:24: error: key 'cpu.host_phys_bits_limit': 64 is out of range; use "
            "32..52\n");
  EXPECT_EQ(problems("[cpu]\ncores = 2\nthreads = 1\npin = [0, 1, 2]\n"),
            "vm.toml:4:7: error: key 'cpu.pin': lists 3 host CPUs for 2 vCPUs; give one per "
            "vCPU\n");
  EXPECT_EQ(problems("[cpu]\npin = [\"a\"]\n"),
            "vm.toml:2:7: error: key 'cpu.pin': expected a list of host CPU numbers (0..8191), one "
            "per vCPU\n");
  EXPECT_EQ(problems("[cpu]\npin = \"some\"\n"),
            "vm.toml:2:7: error: key 'cpu.pin': 'some' is not one of auto, off\n");
  EXPECT_EQ(problems("os = \"linux\"\n[cpu]\nhv_vendor_id = \"AuthenticAMD\"\n"),
            "vm.toml:3:16: warning: key 'cpu.hv_vendor_id': has no effect without Hyper-V "
            "enlightenments (cpu.hyperv = \"performance\")\n");
}

TEST(ConfigLoader, ReportsFirmwareConflicts) {
  EXPECT_EQ(problems("[firmware]\ncode = \"/fw/CODE.fd\"\n"),
            "vm.toml:2:8: error: key 'firmware.code': give both 'code' and 'vars' (from the same "
            "firmware build) or neither\n");
  EXPECT_EQ(problems("[firmware]\ntype = \"bios\"\nsecure_boot = true\n"),
            "vm.toml:3:15: error: key 'firmware.secure_boot': needs UEFI firmware; remove type = "
            "\"bios\"\n");
  EXPECT_EQ(problems("[firmware]\ncode = \"CODE.fd\"\nvars = \"/VARS.fd\"\n"),
            "vm.toml:2:8: error: key 'firmware.code': 'CODE.fd' is not an absolute path; write it "
            "starting with '/'\n"
            "vm.toml:3:8: error: key 'firmware.vars': give both 'code' and 'vars' (from the same "
            "firmware build) or neither\n");
}

TEST(ConfigLoader, ReportsDiskErrors) {
  EXPECT_EQ(problems("[[disk]]\nbus = \"sata\"\n"),
            "vm.toml:1:1: error: key 'disk[0].path': is required but missing\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/dev/nvme0n1p4\"\n"),
            "vm.toml:2:8: error: key 'disk[0].path': '/dev/nvme0n1p4' is a kernel name that can "
            "point at another disk after a reboot; use its stable name under /dev/disk/by-id/ "
            "(whole disks) or /dev/disk/by-partuuid/ (partitions): 'ls -l /dev/disk/by-id "
            "/dev/disk/by-partuuid | grep nvme0n1p4'\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/dev/disk/by-id/nvme-X\"\nformat = \"qcow2\"\n"),
            "vm.toml:3:10: error: key 'disk[0].format': a block device is used raw; remove format "
            "= \"qcow2\"\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/a.iso\"\nmedia = \"cdrom\"\nbus = \"virtio-blk\"\n"),
            "vm.toml:4:7: error: key 'disk[0].bus': virtio-blk cannot be a CD-ROM; use bus = "
            "\"sata\" or \"virtio-scsi\"\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/a.qcow2\"\naio = \"native\"\n"),
            "vm.toml:3:7: error: key 'disk[0].aio': \"native\" needs O_DIRECT; use cache = "
            "\"none\" or aio = \"io_uring\"\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/a.raw\"\ncache = \"fast\"\n"),
            "vm.toml:3:9: error: key 'disk[0].cache': 'fast' is not one of auto, none, writeback, "
            "writethrough, directsync, unsafe\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/a.raw\"\nboot_index = 1\n"
                     "[[disk]]\npath = \"/a.raw\"\nboot_index = 1\n"),
            "vm.toml:5:8: error: key 'disk[1].path': '/a.raw' is also disk[0]; a disk can be "
            "attached once\n"
            "vm.toml:6:14: error: key 'disk[1].boot_index': 1 is also used by disk[0]; boot "
            "indexes must differ\n");
  EXPECT_EQ(problems("[[disk]]\npath = \"/a.raw\"\nserial = \"123456789012345678901\"\n"),
            "vm.toml:3:10: error: key 'disk[0].serial': is longer than 20 characters (the limit "
            "of virtio and ATA serials)\n");
}

TEST(ConfigLoader, ReportsTooManySataDisks) {
  std::string text;
  for (int i = 0; i < 7; ++i)
    text += "[[disk]]\npath = \"/d" + std::to_string(i) + ".iso\"\nmedia = \"cdrom\"\n";
  EXPECT_EQ(problems(text),
            "vm.toml:19:1: error: key 'disk[6].bus': q35's SATA controller has 6 "
            "ports; use \"virtio-scsi\" for more disks\n");
}

TEST(ConfigLoader, ReportsGpuErrors) {
  EXPECT_EQ(problems("[[gpu]]\naddress = \"1:0.0\"\n"),
            "vm.toml:2:11: error: key 'gpu[0].address': '1:0.0' is not a PCI address; write it "
            "as \"01:00.0\" or \"0000:01:00.0\" (see 'lspci -D')\n");
  EXPECT_EQ(problems("[[gpu]]\naddress = \"01:00.1\"\n"),
            "vm.toml:2:11: error: key 'gpu[0].address': '01:00.1' is not function 0 of the card; "
            "give function 0 here and the others in 'functions'\n");
  EXPECT_EQ(problems("[[gpu]]\naddress = \"01:00.0\"\nfunctions = [\"02:00.1\", \"01:00.0\"]\n"),
            "vm.toml:3:13: error: key 'gpu[0].functions': 0000:02:00.1 is not a function of the "
            "card at 0000:01:00.0; list only functions of this card\n"
            "vm.toml:3:13: error: key 'gpu[0].functions': 0000:01:00.0 is the card's function 0, "
            "which 'address' already passes\n");
  EXPECT_EQ(problems("[[gpu]]\naddress = \"01:00.0\"\nfunctions = \"some\"\n"),
            "vm.toml:3:13: error: key 'gpu[0].functions': 'some' is not \"all\" or a list of PCI "
            "addresses\n");
  EXPECT_EQ(problems("[[gpu]]\naddress = \"01:00.0\"\n[[gpu]]\naddress = \"0000:01:00.0\"\n"),
            "vm.toml:4:11: error: key 'gpu[1].address': card 0000:01:00.0 is also gpu[0]\n");
  EXPECT_EQ(problems("[[gpu]]\nrom = \"/r.rom\"\n"),
            "vm.toml:1:1: error: key 'gpu[0].address': is required but missing\n");
}

TEST(ConfigLoader, ReportsUsbErrors) {
  EXPECT_EQ(problems("[[usb]]\nport = \"3:1.4\"\n"),
            "vm.toml:2:8: error: key 'usb[0].port': '3:1.4' is not a USB port; write it as sysfs "
            "names it, BUS-PORT[.PORT...] such as \"3-1.4.2\" (see 'lsusb -t')\n");
  EXPECT_EQ(problems("[[usb]]\nid = \"46d:c539\"\n"),
            "vm.toml:2:6: error: key 'usb[0].id': '46d:c539' is not a USB id; write VENDOR:PRODUCT "
            "in hex, such as \"046d:c539\" (see 'lsusb')\n");
  EXPECT_EQ(problems("[[usb]]\nport = \"1-2\"\nid = \"046d:c539\"\n"),
            "vm.toml:3:6: error: key 'usb[0].id': give either 'port' or 'id', not both\n");
  EXPECT_EQ(problems("[[usb]]\n"),
            "vm.toml:1:1: error: key 'usb[0].port': a USB device needs 'port' (\"3-1.4.2\") or "
            "'id' (\"046d:c539\")\n");
  EXPECT_EQ(problems("[[usb]]\nport = \"1-2\"\n[[usb]]\nport = \"1-2\"\n"),
            "vm.toml:3:1: error: key 'usb[1]': 1-2 is listed twice\n");
}

TEST(ConfigLoader, ReportsInputErrors) {
  EXPECT_EQ(problems("[[input]]\nevdev = \"/dev/input/by-id/kbd\"\ngrab_toggle = \"ctrl-alt\"\n"),
            "vm.toml:3:15: error: key 'input[0].grab_toggle': 'ctrl-alt' is not one of "
            "ctrl-ctrl, alt-alt, shift-shift, meta-meta, scrolllock, ctrl-scrolllock\n");
  EXPECT_EQ(problems("[[input]]\nevdev = \"/dev/input/by-id/kbd\"\ngrab_toggle = \"scrollock\"\n"),
            "vm.toml:3:15: error: key 'input[0].grab_toggle': 'scrollock' is not one of "
            "ctrl-ctrl, alt-alt, shift-shift, meta-meta, scrolllock, ctrl-scrolllock; did you "
            "mean 'scrolllock'?\n");
  EXPECT_EQ(problems("[[input]]\ngrab_all = true\n"),
            "vm.toml:1:1: error: key 'input[0].evdev': is required but missing\n");
}

TEST(ConfigLoader, ReportsNetworkErrors) {
  EXPECT_EQ(problems("[network]\nmode = \"bridge\"\nsmb = \"/srv\"\nforwards = [\"tcp:1:1\"]\n"),
            "vm.toml:3:7: error: key 'network.smb': needs mode = \"user\" (QEMU's built-in SMB "
            "server)\n"
            "vm.toml:4:12: error: key 'network.forwards': need mode = \"user\"; with a bridge or "
            "tap the guest is reachable directly\n");
  EXPECT_EQ(problems("[network]\nforwards = [\"tcp:3389\", \"tcp:80:80\", \"tcp:80:81\"]\n"),
            "vm.toml:2:12: error: key 'network.forwards': 'tcp:3389' is not a port forward; write "
            "\"tcp:HOSTPORT:GUESTPORT\" or \"udp:ADDRESS:HOSTPORT:GUESTPORT\"\n"
            "vm.toml:2:12: error: key 'network.forwards': host port 80 is forwarded twice\n");
  EXPECT_EQ(problems("[network]\nmac = \"01:02:03:04:05:06\"\n"),
            "vm.toml:2:7: error: key 'network.mac': '01:02:03:04:05:06' is not a unicast MAC "
            "address such as \"52:54:00:12:34:56\"\n");
  EXPECT_EQ(problems("[network]\nmode = \"tap\"\n"),
            "vm.toml:2:8: error: key 'network.tap': mode = \"tap\" needs the name of a tap "
            "interface\n");
}

TEST(ConfigLoader, ReportsLookingGlassSizesThatDoNotFit) {
  EXPECT_EQ(problems("[looking_glass]\nenabled = true\nwidth = 2560\nheight = 1440\n"
                     "size = \"32M\"\n"),
            "vm.toml:5:8: error: key 'looking_glass.size': 32 MiB is too small for 2560x1440; it "
            "needs 64 MiB (or remove 'size' to have it computed)\n");
  EXPECT_EQ(problems("[looking_glass]\nenabled = true\nsize = \"48M\"\n"),
            "vm.toml:3:8: error: key 'looking_glass.size': 48 MiB is not a power of two, which "
            "QEMU requires; use 64 MiB\n");
  EXPECT_EQ(problems("[looking_glass]\nbackend = \"file\"\n"),
            "vm.toml:2:11: error: key 'looking_glass.backend': 'file' is not one of kvmfr, shm\n");
  EXPECT_EQ(problems("[looking_glass]\nwidth = 100\n"),
            "vm.toml:2:9: error: key 'looking_glass.width': 100 is out of range; use 640..15360\n");
}

TEST(ConfigLoader, ReportsBootAndDisplayErrors) {
  EXPECT_EQ(problems("[boot]\ninitrd = \"/boot/initrd\"\n"),
            "vm.toml:2:10: error: key 'boot.initrd': needs boot.kernel\n");
  EXPECT_EQ(problems("[display]\ntype = \"vnc\"\n"),
            "vm.toml:2:8: error: key 'display.type': 'vnc' is not one of none, std, spice\n");
}

TEST(ConfigLoader, ReadsThePlatformTableWithPerOsDefaults) {
  ConfigParse windows_guest = parse_vm_config("", "vm.toml", "vm");
  EXPECT_TRUE(effective_rtc_driftfix(windows_guest.config));
  EXPECT_FALSE(effective_hpet(windows_guest.config));
  EXPECT_FALSE(effective_s3(windows_guest.config));
  EXPECT_FALSE(effective_s4(windows_guest.config));
  EXPECT_EQ(effective_pit_lost_ticks(windows_guest.config), PlatformConfig::LostTicks::kDelay);
  ConfigParse linux_guest = parse_vm_config("os = \"linux\"\n", "vm.toml", "vm");
  EXPECT_FALSE(effective_rtc_driftfix(linux_guest.config));
  EXPECT_TRUE(effective_hpet(linux_guest.config));
  EXPECT_TRUE(effective_s3(linux_guest.config));
  EXPECT_EQ(effective_pit_lost_ticks(linux_guest.config), PlatformConfig::LostTicks::kQemu);
  ConfigParse set = parse_vm_config(
      "[platform]\nrtc_driftfix = false\npit_lost_ticks = \"discard\"\nhpet = true\ns3 = true\n"
      "s4 = true\ndump_guest_core = true\nguest_agent = true\n",
      "vm.toml", "vm");
  EXPECT_EQ(set.diagnostics.render(), "");
  EXPECT_FALSE(effective_rtc_driftfix(set.config));
  EXPECT_EQ(effective_pit_lost_ticks(set.config), PlatformConfig::LostTicks::kDiscard);
  EXPECT_TRUE(effective_hpet(set.config));
  EXPECT_TRUE(effective_s3(set.config) && effective_s4(set.config));
  EXPECT_TRUE(set.config.platform.dump_guest_core && set.config.platform.guest_agent);
  EXPECT_EQ(problems("[platform]\npit_lost_ticks = \"slew\"\n"),
            "vm.toml:2:18: error: key 'platform.pit_lost_ticks': 'slew' is not one of auto, delay, "
            "discard, qemu\n");
}

TEST(ConfigLoader, LoadingAFileFailsWithEveryErrorAndTheCount) {
  testing::TempDir dir;
  auto file = dir.write("win.toml", "acel = 1\n[cpu]\ncores = 0\n");
  auto loaded = load_vm_config(file);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message,
            "'" + file.string() + "' has 2 errors; nothing was started:\n" + file.string() +
                ":1:1: error: key 'acel': unknown key; did you mean 'accel'?\n" + file.string() +
                ":3:9: error: key 'cpu.cores': 0 is out of range; use 1..256");
  auto missing = load_vm_config(dir / "nope.toml");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("reading VM definition"), std::string::npos);
  auto good = load_vm_config(dir.write("ok.toml", "[memory]\nsize = \"2G\"\n"));
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->name, "ok");
  EXPECT_EQ(good->memory.size, 2 * kGiB);
}

}  // namespace
}  // namespace vfg
