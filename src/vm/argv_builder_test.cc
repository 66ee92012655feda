#include <algorithm>
#include <cstdlib>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "util/file_io.h"
#include "vm/argv_context.h"
#include "vm/argv_script.h"
#include "vm/config_loader.h"
#include "vm/launch_plan.h"

namespace vfg {
namespace {

XdgDirs test_dirs() {
  XdgDirs dirs;
  dirs.config = "/home/alice/.config/vfg";
  dirs.data = "/home/alice/.local/share/vfg";
  dirs.runtime = "/run/user/1000/vfg";
  return dirs;
}

/// What the host of the guide offers: KVM, Debian's OVMF, QEMU 7.2.
LaunchPlan guide_host_plan(const std::string& name) {
  LaunchPlan plan;
  plan.kvm = true;
  plan.qemu.binary = "qemu-system-x86_64";
  plan.qemu.version = "7.2.22";
  plan.qemu.major = 7;
  plan.qemu.minor = 2;
  plan.qemu.q35_machine = "pc-q35-7.2";
  plan.qemu.audiodev_pa = true;
  FirmwareFiles firmware;
  firmware.descriptor = "/usr/share/qemu/firmware/60-edk2-x86_64.json";
  firmware.code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
  firmware.vars_template = "/usr/share/OVMF/OVMF_VARS_4M.fd";
  plan.firmware = firmware;
  plan.paths = VmPaths::make(test_dirs(), name);
  plan.vars_copy = plan.paths.vars_file().string();
  plan.audio = AudioBackend::kPulseaudio;
  plan.audio_server = "/run/user/1000/pulse/native";
  return plan;
}

/// The value after the first `option` whose value contains `needle`.
std::string value_of(const std::vector<std::string>& argv, const std::string& option,
                     const std::string& needle = "") {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == option && argv[i + 1].find(needle) != std::string::npos) return argv[i + 1];
  }
  return "";
}

TEST(ArgvBuilder, GuideConfigMatchesTheGoldenScript) {
  std::string source = testing::source_path("tests/fixtures/configs/win11.toml");
  auto config = load_vm_config(source);
  ASSERT_TRUE(config) << config.error().message;
  LaunchPlan plan = guide_host_plan("win11");
  plan.gpu_functions = {{"0000:01:00.0", "0000:01:00.1"}};
  auto command = build_qemu_argv(*config, plan);
  ASSERT_TRUE(command) << command.error().message;
  std::string script = render_shell_script("win11", plan, *command);
  std::string golden_path = testing::source_path("tests/fixtures/configs/win11.args.sh");
  // VFG_UPDATE_GOLDEN=1 rewrites the golden file after a deliberate change.
  if (std::getenv("VFG_UPDATE_GOLDEN") != nullptr) {
    ASSERT_TRUE(write_file_atomic(golden_path, script));
  }
  auto golden = read_file(golden_path);
  ASSERT_TRUE(golden) << golden.error().message;
  EXPECT_EQ(script, *golden);
}

// docs/config.md shows the same example and output as the golden files.
TEST(ArgvBuilder, DocumentationShowsTheGoldenExample) {
  auto docs = read_file(testing::source_path("docs/config.md"));
  auto example = read_file(testing::source_path("tests/fixtures/configs/win11.toml"));
  auto script = read_file(testing::source_path("tests/fixtures/configs/win11.args.sh"));
  ASSERT_TRUE(docs && example && script);
  EXPECT_NE(docs->find("```toml\n" + *example + "```"), std::string::npos);
  EXPECT_NE(docs->find("```sh\n" + *script + "```"), std::string::npos);
}

TEST(ArgvBuilder, GpuFunctionsShareOneRootPortAsAMultifunctionDevice) {
  VmConfig config;
  config.name = "vm";
  config.gpus.push_back(GpuConfig{"0000:01:00.0", true, {}, "/vbios.rom", true});
  config.gpus.push_back(GpuConfig{"10000:e1:00.0", true, {}, "", false, false});
  LaunchPlan plan = guide_host_plan("vm");
  plan.gpu_functions = {{"0000:01:00.0", "0000:01:00.1"}, {"10000:e1:00.0"}};
  auto command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command) << command.error().message;
  const auto& argv = command->argv;
  EXPECT_EQ(value_of(argv, "-device", "\"id\":\"rp0\""),
            R"({"driver":"pcie-root-port","id":"rp0","bus":"pcie.0","addr":"10.0","chassis":1,)"
            R"("port":16,"multifunction":true})");
  EXPECT_EQ(value_of(argv, "-device", "\"id\":\"rp1\""),
            R"({"driver":"pcie-root-port","id":"rp1","bus":"pcie.0","addr":"10.1","chassis":2,)"
            R"("port":17})");
  EXPECT_EQ(value_of(argv, "-device", "0000:01:00.0"),
            R"({"driver":"vfio-pci","host":"0000:01:00.0","id":"gpu0-0","bus":"rp0","addr":"00.0",)"
            R"("multifunction":true,"x-vga":true,"romfile":"/vbios.rom"})");
  EXPECT_EQ(
      value_of(argv, "-device", "0000:01:00.1"),
      R"({"driver":"vfio-pci","host":"0000:01:00.1","id":"gpu0-1","bus":"rp0","addr":"00.1"})");
  // A single-function card needs no multifunction flag; rom_bar = false hides its ROM BAR.
  EXPECT_EQ(
      value_of(argv, "-device", "10000:e1:00.0"),
      R"({"driver":"vfio-pci","host":"10000:e1:00.0","id":"gpu1-0","bus":"rp1","addr":"00.0",)"
      R"("rombar":0})");
  // Root ports come before the devices on them.
  auto port = std::find(argv.begin(), argv.end(), value_of(argv, "-device", "\"id\":\"rp1\""));
  auto gpu = std::find(argv.begin(), argv.end(), value_of(argv, "-device", "gpu0-0"));
  EXPECT_LT(port, gpu);
}

TEST(ArgvBuilder, TcgDropsWhatNeedsKvmWithNotices) {
  VmConfig config;
  config.name = "vm";
  config.cpu.host_phys_bits_limit = 39;
  LaunchPlan plan = guide_host_plan("vm");
  plan.kvm = false;
  auto command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command);
  EXPECT_EQ(value_of(command->argv, "-accel"), "tcg,thread=multi");
  EXPECT_EQ(value_of(command->argv, "-cpu"), "max");
  EXPECT_EQ(command->notices,
            (std::vector<std::string>{
                "CPU model 'host' needs KVM; using 'max' under TCG",
                "Hyper-V enlightenments dropped: they need KVM and this VM runs under TCG",
                "cpu.host_phys_bits_limit dropped: it needs KVM"}));
  plan.kvm = true;
  command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command);
  EXPECT_EQ(value_of(command->argv, "-cpu"),
            "host,migratable=off,host-phys-bits=on,host-phys-bits-limit=39,hv-relaxed,hv-vapic,"
            "hv-spinlocks=0x1fff,hv-vpindex,hv-runtime,hv-synic,hv-stimer,hv-time,hv-frequencies,"
            "hv-tlbflush,hv-ipi");
  config.cpu.hyperv = HypervProfile::kStealth;
  plan.host_cpu_amd = true;
  command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command);
  EXPECT_EQ(value_of(command->argv, "-cpu"),
            "host,topoext=on,migratable=off,host-phys-bits=on,host-phys-bits-limit=39,kvm=off,"
            "hypervisor=off");
}

TEST(ArgvBuilder, DisksGetCacheAndAioForTheirKind) {
  VmConfig config;
  config.name = "vm";
  config.disks.resize(4);
  config.disks[0].path = "/img/a,b.qcow2";  // a comma cannot break JSON
  config.disks[1].path = "/dev/disk/by-id/nvme-X";
  config.disks[1].bus = DiskBus::kVirtioScsi;
  config.disks[2].path = "/img/win.iso";
  config.disks[2].media = DiskMedia::kCdrom;
  config.disks[2].bus = DiskBus::kSata;
  config.disks[2].boot_index = 2;
  config.disks[3].path = "/img/data.raw";
  config.disks[3].cache = DiskCache::kWritethrough;
  config.disks[3].aio = DiskAio::kIoUring;
  config.disks[3].discard = false;
  auto command = build_qemu_argv(config, guide_host_plan("vm"));
  ASSERT_TRUE(command);
  const auto& argv = command->argv;
  EXPECT_EQ(value_of(argv, "-blockdev", "disk0-file\","),
            R"({"driver":"file","filename":"/img/a,b.qcow2","node-name":"disk0-file","cache":)"
            R"({"direct":false,"no-flush":false},"aio":"threads","discard":"unmap"})");
  EXPECT_EQ(value_of(argv, "-blockdev", "\"node-name\":\"disk0\""),
            R"({"driver":"qcow2","file":"disk0-file","node-name":"disk0","cache":{"direct":false,)"
            R"("no-flush":false},"discard":"unmap"})");
  EXPECT_EQ(value_of(argv, "-blockdev", "disk1-file\","),
            R"({"driver":"host_device","filename":"/dev/disk/by-id/nvme-X","node-name":)"
            R"("disk1-file","cache":{"direct":true,"no-flush":false},"aio":"native",)"
            R"("discard":"unmap"})");
  EXPECT_EQ(value_of(argv, "-blockdev", "disk2-file\","),
            R"({"driver":"file","filename":"/img/win.iso","node-name":"disk2-file","cache":)"
            R"({"direct":false,"no-flush":false},"aio":"threads","read-only":true})");
  EXPECT_EQ(value_of(argv, "-blockdev", "disk3-file\","),
            R"({"driver":"file","filename":"/img/data.raw","node-name":"disk3-file","cache":)"
            R"({"direct":false,"no-flush":false},"aio":"io_uring"})");
  EXPECT_EQ(value_of(argv, "-device", "disk0-dev"),
            R"({"driver":"virtio-blk-pci","drive":"disk0","id":"disk0-dev","bus":"rp1","addr":)"
            R"("00.0","iothread":"io0"})");
  EXPECT_EQ(value_of(argv, "-device", "scsi0\""),
            R"({"driver":"virtio-scsi-pci","id":"scsi0","bus":"rp0","addr":"00.0","iothread":)"
            R"("io0"})");
  EXPECT_EQ(value_of(argv, "-device", "disk1-dev"),
            R"({"driver":"scsi-hd","drive":"disk1","id":"disk1-dev","bus":"scsi0.0",)"
            R"("rotation_rate":1})");
  EXPECT_EQ(value_of(argv, "-device", "disk2-dev"),
            R"({"driver":"ide-cd","drive":"disk2","id":"disk2-dev","bus":"ide.0","bootindex":2})");
  EXPECT_EQ(value_of(argv, "-device", "disk3-dev"),
            R"({"driver":"virtio-blk-pci","drive":"disk3","id":"disk3-dev","bus":"rp2","addr":)"
            R"("00.0","iothread":"io0","write-cache":"off"})");
}

TEST(ArgvBuilder, SecureBootFirmwareEnablesSmmAndQcow2GetsAFormatNode) {
  VmConfig config;
  config.name = "vm";
  config.firmware.secure_boot = true;
  LaunchPlan plan = guide_host_plan("vm");
  plan.firmware->code = "/usr/share/edk2/ovmf/OVMF_CODE_4M.secboot.qcow2";
  plan.firmware->code_format = "qcow2";
  plan.firmware->vars_format = "qcow2";
  plan.firmware->requires_smm = true;
  plan.vars_copy = plan.paths.vars_file("qcow2").string();
  auto command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command);
  const auto& argv = command->argv;
  EXPECT_EQ(value_of(argv, "-machine"),
            "q35,memory-backend=ram0,pflash0=fw-code,pflash1=fw-vars,smm=on,hpet=off,dump-guest-"
            "core=off");
  EXPECT_EQ(value_of(argv, "-global"), "driver=cfi.pflash01,property=secure,value=on");
  EXPECT_EQ(value_of(argv, "-blockdev", "fw-code-file\","),
            R"({"driver":"file","filename":"/usr/share/edk2/ovmf/OVMF_CODE_4M.secboot.qcow2",)"
            R"("node-name":"fw-code-file","read-only":true})");
  EXPECT_EQ(value_of(argv, "-blockdev", "\"node-name\":\"fw-code\""),
            R"({"driver":"qcow2","file":"fw-code-file","node-name":"fw-code","read-only":true})");
  EXPECT_EQ(value_of(argv, "-blockdev", "\"node-name\":\"fw-vars\""),
            R"({"driver":"qcow2","file":"fw-vars-file","node-name":"fw-vars"})");
  EXPECT_EQ(value_of(argv, "-blockdev", "\"node-name\":\"fw-vars-file\""),
            R"({"driver":"file","filename":"/home/alice/.local/share/vfg/vm/OVMF_VARS.qcow2",)"
            R"("node-name":"fw-vars-file"})");
}

TEST(ArgvBuilder, LinuxGuestsGetASerialLogAndUtcClock) {
  VmConfig config;
  config.name = "vm";
  config.os = GuestOs::kLinux;
  config.firmware.type = FirmwareConfig::Type::kBios;
  config.memory.size = 256 * kMiB;
  config.boot = {"/guest/vmlinuz", "/guest/initrd.gz", "console=ttyS0"};
  config.network.mode = NetworkMode::kNone;
  config.audio.enabled = false;
  config.extra_args = {"-global", "ICH9-LPC.noreboot=on"};
  LaunchPlan plan = guide_host_plan("vm");
  plan.firmware.reset();
  auto command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command) << command.error().message;
  const auto& argv = command->argv;
  EXPECT_EQ(value_of(argv, "-rtc"), "base=utc");
  // QEMU's timers and sleep states stay; only the core dump leaves guest RAM out.
  EXPECT_EQ(value_of(argv, "-machine"), "q35,memory-backend=ram0,dump-guest-core=off");
  EXPECT_EQ(value_of(argv, "-global"), "ICH9-LPC.noreboot=on");
  EXPECT_EQ(value_of(argv, "-m"), "256M");
  EXPECT_EQ(value_of(argv, "-chardev"), "file,id=serial0,path=/run/user/1000/vfg/vm/serial.log");
  EXPECT_EQ(value_of(argv, "-serial"), "chardev:serial0");
  EXPECT_EQ(value_of(argv, "-kernel"), "/guest/vmlinuz");
  EXPECT_EQ(value_of(argv, "-append"), "console=ttyS0");
  EXPECT_EQ(value_of(argv, "-netdev"), "");
  EXPECT_EQ(value_of(argv, "-audiodev"), "");
  EXPECT_EQ(value_of(argv, "-cpu"), "host,migratable=off");
  // The escape hatch comes last, verbatim.
  ASSERT_GE(argv.size(), 2u);
  EXPECT_EQ(argv[argv.size() - 2], "-global");
  EXPECT_EQ(argv.back(), "ICH9-LPC.noreboot=on");
}

TEST(ArgvBuilder, WindowsGuestsGetTheTimingAndPowerDefaultsAndKeysOverrideThem) {
  VmConfig config;
  config.name = "win";
  config.audio.enabled = false;
  LaunchPlan plan = guide_host_plan("win");
  auto command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command) << command.error().message;
  const auto& argv = command->argv;
  EXPECT_EQ(value_of(argv, "-rtc"), "base=localtime,driftfix=slew");
  EXPECT_NE(value_of(argv, "-machine").find(",hpet=off,dump-guest-core=off"), std::string::npos);
  EXPECT_EQ(value_of(argv, "-global", "kvm-pit"), "kvm-pit.lost_tick_policy=delay");
  EXPECT_EQ(value_of(argv, "-global", "disable_s3"), "ICH9-LPC.disable_s3=1");
  EXPECT_EQ(value_of(argv, "-global", "disable_s4"), "ICH9-LPC.disable_s4=1");
  EXPECT_EQ(value_of(argv, "-device", "virtserialport"), "");

  // TCG has no in-kernel PIT to set a policy on.
  plan.kvm = false;
  command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command);
  EXPECT_EQ(value_of(command->argv, "-global", "kvm-pit"), "");

  plan.kvm = true;
  config.platform.rtc_driftfix = false;
  config.platform.pit_lost_ticks = PlatformConfig::LostTicks::kDiscard;
  config.platform.hpet = true;
  config.platform.s3 = true;
  config.platform.dump_guest_core = true;
  config.platform.guest_agent = true;
  command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command);
  const auto& changed = command->argv;
  EXPECT_EQ(value_of(changed, "-rtc"), "base=localtime");
  EXPECT_EQ(value_of(changed, "-machine").find("hpet"), std::string::npos);
  EXPECT_EQ(value_of(changed, "-machine").find("dump-guest-core"), std::string::npos);
  EXPECT_EQ(value_of(changed, "-global", "kvm-pit"), "kvm-pit.lost_tick_policy=discard");
  EXPECT_EQ(value_of(changed, "-global", "disable_s3"), "");
  EXPECT_EQ(value_of(changed, "-global", "disable_s4"), "ICH9-LPC.disable_s4=1");
  EXPECT_EQ(value_of(changed, "-chardev", "qga0"),
            "socket,id=qga0,path=/run/user/1000/vfg/win/qga.sock,server=on,wait=off");
  EXPECT_EQ(value_of(changed, "-device", "virtserialport"),
            R"({"driver":"virtserialport","bus":"agent-serial.0","chardev":"qga0",)"
            R"("name":"org.qemu.guest_agent.0"})");
}

TEST(ArgvBuilder, RefusesAnUnresolvedPlan) {
  VmConfig config;
  config.name = "vm";
  LaunchPlan plan = guide_host_plan("vm");
  plan.firmware.reset();
  EXPECT_EQ(build_qemu_argv(config, plan).error().message,
            "the launch plan has no UEFI firmware for VM 'vm'");
  plan = guide_host_plan("vm");
  config.gpus.resize(1);
  EXPECT_EQ(build_qemu_argv(config, plan).error().message, "the launch plan resolved 0 GPUs of 1");
}

TEST(ArgvBuilder, EscapesCommasInOptionSyntax) {
  EXPECT_EQ(qemu_opts_escape("/run/a,b/qmp.sock"), "/run/a,,b/qmp.sock");
  VmConfig config;
  config.name = "vm";
  config.display.type = DisplayConfig::Type::kSpice;
  config.display.spice_socket = "/tmp/x,y.sock";
  auto command = build_qemu_argv(config, guide_host_plan("vm"));
  ASSERT_TRUE(command);
  EXPECT_EQ(value_of(command->argv, "-spice"), "unix=on,addr=/tmp/x,,y.sock,disable-ticketing=on");
}

TEST(ArgvScript, QuotesEveryWordAndPairsOptions) {
  LaunchPlan plan = guide_host_plan("vm");
  QemuCommand command{
      {"qemu-system-x86_64", "-name", "a b", "-S", "-no-user-config", "-device", R"({"x":"y"})"},
      {"something changed"}};
  EXPECT_EQ(render_shell_script("vm", plan, command),
            "#!/bin/sh\n"
            "# QEMU command line of VM 'vm', as 'vfg args vm' prints it.\n"
            "# 'vfg start' runs the same command paused (-S), tunes the VM, then continues it.\n"
            "# note: something changed\n"
            "set -e\n"
            "mkdir -p -m 700 /run/user/1000/vfg/vm\n"
            "mkdir -p -m 700 /home/alice/.local/share/vfg/vm\n"
            "[ -e /home/alice/.local/share/vfg/vm/OVMF_VARS.fd ] || cp "
            "/usr/share/OVMF/OVMF_VARS_4M.fd /home/alice/.local/share/vfg/vm/OVMF_VARS.fd\n"
            "exec qemu-system-x86_64 \\\n"
            "  -name 'a b' \\\n"
            "  -no-user-config \\\n"
            "  -device '{\"x\":\"y\"}'\n");
}

}  // namespace
}  // namespace vfg
