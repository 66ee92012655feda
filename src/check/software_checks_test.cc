#include "check/software_checks.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg::check {
namespace {

QemuCapabilities debian_qemu() {
  QemuCapabilities qemu;
  qemu.binary = "/usr/bin/qemu-system-x86_64";
  qemu.version = "7.2.22";
  qemu.major = 7;
  qemu.minor = 2;
  qemu.micro = 22;
  qemu.q35_machine = "pc-q35-7.2";
  qemu.audio_drivers = {"none", "alsa", "pa", "spice"};
  qemu.audiodev_pa = true;
  qemu.spice = true;
  qemu.qxl = true;
  qemu.usb_host = true;
  qemu.ivshmem = true;
  return qemu;
}

SoftwareFacts installed() {
  SoftwareFacts software;
  software.probed = true;
  software.qemu = debian_qemu();
  FirmwareFiles firmware;
  firmware.descriptor = "/usr/share/qemu/firmware/60-edk2-x86_64.json";
  firmware.code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
  firmware.vars_template = "/usr/share/OVMF/OVMF_VARS_4M.fd";
  software.firmware = firmware;
  software.swtpm = "/usr/bin/swtpm";
  return software;
}

TEST(Qemu, PresentOrInstallHint) {
  Finding ok = check_qemu(installed());
  EXPECT_EQ(ok.status, Status::kPass);
  EXPECT_EQ(ok.title, "QEMU 7.2.22");
  SoftwareFacts none;
  none.qemu_error = "qemu-system-x86_64: not found on $PATH";
  Finding bad = check_qemu(none);
  EXPECT_EQ(bad.status, Status::kFail);
  EXPECT_EQ(bad.fix,
            "install QEMU: sudo apt install qemu-system-x86 (Debian/Ubuntu), sudo dnf "
            "install qemu-system-x86 (Fedora), sudo pacman -S qemu-full (Arch)");
}

TEST(Ovmf, FoundOrInstallHint) {
  EXPECT_EQ(check_ovmf(installed()).title, "UEFI firmware: /usr/share/OVMF/OVMF_CODE_4M.fd");
  SoftwareFacts none;
  Finding bad = check_ovmf(none);
  EXPECT_EQ(bad.status, Status::kFail);
  EXPECT_EQ(bad.fix,
            "install OVMF: sudo apt install ovmf (Debian/Ubuntu), sudo dnf install "
            "edk2-ovmf (Fedora), sudo pacman -S edk2-ovmf (Arch)");
}

TEST(QemuFeatures, PipewireNeedsQemu81) {
  VmConfig config;
  config.audio.backend = AudioBackend::kPipewire;
  auto bad = check_vm_qemu_features(config, installed());
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].title,
            "QEMU 7.2.22 lacks PipeWire audio (-audiodev pipewire, QEMU 8.1 and later)");
  EXPECT_EQ(bad[0].fix,
            "set backend = \"pulseaudio\" under [audio] (pipewire-pulse serves it), "
            "or install QEMU 8.1 or later");
  SoftwareFacts newer = installed();
  newer.qemu->version = "8.2.1";
  newer.qemu->audiodev_pipewire = true;
  auto ok = check_vm_qemu_features(config, newer);
  EXPECT_EQ(ok[0].status, Status::kPass);
  EXPECT_EQ(ok[0].title, "QEMU 8.2.1 has PipeWire audio (-audiodev pipewire, QEMU 8.1 and later)");
}

TEST(QemuFeatures, LookingGlassUsbAndTpm) {
  VmConfig config;
  config.audio.enabled = false;
  config.looking_glass.enabled = true;
  config.usb.push_back(UsbHostConfig{3, "1.4", 0, 0});
  config.tpm = true;
  auto ok = check_vm_qemu_features(config, installed());
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].status, Status::kPass);
  EXPECT_EQ(ok[1].status, Status::kPass);
  SoftwareFacts bare = installed();
  bare.qemu->spice = false;
  bare.swtpm.reset();
  auto bad = check_vm_qemu_features(config, bare);
  EXPECT_EQ(bad[0].title, "QEMU 7.2.22 lacks SPICE (Looking Glass input and the SPICE display)");
  // SPICE is a module in a package of its own: the fix names it per distribution.
  EXPECT_EQ(bad[0].fix,
            "sudo apt install qemu-system-modules-spice (Debian/Ubuntu), sudo dnf install "
            "qemu-ui-spice-core qemu-char-spice (Fedora), sudo pacman -S qemu-ui-spice-core "
            "qemu-chardev-spice (Arch)");
  EXPECT_EQ(bad[1].id, "vm.tpm");
  EXPECT_EQ(bad[1].fix,
            "sudo apt install swtpm (Debian/Ubuntu), sudo dnf install swtpm (Fedora), "
            "sudo pacman -S swtpm (Arch)");
}

TEST(VmFirmware, SecureBootBuildWhenAsked) {
  VmConfig config;
  EXPECT_EQ(check_vm_firmware(config, installed())[0].status, Status::kPass);
  config.firmware.secure_boot = true;
  auto bad = check_vm_firmware(config, installed());
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].title, "the installed OVMF has no Secure Boot build");
  SoftwareFacts secure = installed();
  secure.firmware->secure_boot = true;
  secure.firmware->code = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd";
  EXPECT_EQ(check_vm_firmware(config, secure)[0].title,
            "Secure Boot UEFI firmware: /usr/share/OVMF/OVMF_CODE_4M.ms.fd");
}

TEST(Software, NothingIsJudgedForATree) {
  SoftwareFacts tree;
  EXPECT_TRUE(check_host_software(tree).empty());
  VmConfig config;
  config.audio.backend = AudioBackend::kPipewire;
  EXPECT_TRUE(check_vm_qemu_features(config, tree).empty());
  EXPECT_TRUE(check_vm_firmware(config, tree).empty());
  EXPECT_EQ(check_host_software(installed()).size(), 2u);
}

TEST(VmFirmware, ExplicitImagesMustExist) {
  testing::TempDir dir;
  VmConfig config;
  config.firmware.code = dir.write("CODE.fd", "x").string();
  config.firmware.vars = (dir / "VARS.fd").string();
  auto bad = check_vm_firmware(config, installed());
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].title, "firmware image missing: " + config.firmware.vars);
  dir.write("VARS.fd", "y");
  EXPECT_EQ(check_vm_firmware(config, installed())[0].status, Status::kPass);
}

TEST(VmAudio, PulseMustBeReachable) {
  VmConfig config;
  config.audio.backend = AudioBackend::kPulseaudio;
  AudioFacts audio;
  audio.runtime_dir = "/run/user/1000";
  audio.pulse = AudioSocket{"/run/user/1000/pulse/native", true, false};
  auto bad = check_vm_audio(config, audio, std::nullopt, installed());
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].fix, "systemctl --user start pipewire pipewire-pulse (or start PulseAudio)");
  audio.pulse.reachable = true;
  EXPECT_EQ(check_vm_audio(config, audio, std::nullopt, installed())[0].status, Status::kPass);
}

TEST(VmAudio, AutoPicksWhatWorksOrWarns) {
  VmConfig config;
  AudioFacts audio;
  audio.runtime_dir = "/run/user/1000";
  audio.pipewire = AudioSocket{"/run/user/1000/pipewire-0", true, true};
  audio.pulse = AudioSocket{"/run/user/1000/pulse/native", true, true};
  // QEMU 7.2 has no PipeWire backend: it goes through pipewire-pulse.
  EXPECT_EQ(check_vm_audio(config, audio, std::nullopt, installed())[0].title,
            "audio through PulseAudio");
  audio.pulse.reachable = false;
  // PipeWire runs, but QEMU 7.2 reaches it only through pipewire-pulse: the
  // same fallback and words as the launch plan's.
  auto none = check_vm_audio(config, audio, std::nullopt, installed());
  EXPECT_EQ(none[0].status, Status::kWarn);
  EXPECT_EQ(none[0].title, "QEMU cannot use the running sound server: the VM runs without sound");
  EXPECT_EQ(none[0].detail,
            "QEMU 7.2.22 has no PipeWire driver (8.1 and later have one) and no PulseAudio server "
            "is reachable; the guest's sound card is silent (systemctl --user start "
            "pipewire-pulse)");
  audio.pipewire.reachable = false;
  EXPECT_EQ(check_vm_audio(config, audio, std::nullopt, installed())[0].title,
            "no sound server reachable: the VM runs without sound");
  config.audio.enabled = false;
  EXPECT_TRUE(check_vm_audio(config, audio, std::nullopt, installed()).empty());
}

}  // namespace
}  // namespace vfg::check
