#include "check/software_checks.h"

#include <filesystem>

#include <fmt/format.h>

#include "util/process.h"
#include "util/strings.h"
#include "util/xdg.h"
#include "vm/host_needs.h"
#include "vm/qemu_packages.h"

namespace vfg::check {

namespace {

const std::string kInstallQemu =
    "install QEMU: sudo apt install qemu-system-x86 (Debian/Ubuntu), sudo dnf install "
    "qemu-system-x86 (Fedora), sudo pacman -S qemu-full (Arch)";
const std::string kInstallOvmf =
    "install OVMF: sudo apt install ovmf (Debian/Ubuntu), sudo dnf install edk2-ovmf (Fedora), "
    "sudo pacman -S edk2-ovmf (Arch)";

std::string qemu_name(const QemuCapabilities& qemu) { return fmt::format("QEMU {}", qemu.version); }

}  // namespace

SoftwareFacts gather_software(const HostRoot& root, bool secure_boot, const QemuProbe& probe) {
  SoftwareFacts software;
  if (!root.is_live()) return software;
  software.probed = true;
  auto qemu = probe ? probe() : probe_qemu();
  if (qemu)
    software.qemu = *qemu;
  else
    software.qemu_error = qemu.error().message;
  software.swtpm = find_program("swtpm");
  if (!qemu || qemu->q35_machine.empty()) {
    software.firmware_error = "the q35 machine type is unknown without a working QEMU";
    return software;
  }
  FirmwareSearch search;
  search.root = &root;
  // $XDG_CONFIG_HOME/qemu/firmware: the user's own descriptors, most specific.
  if (auto dirs = XdgDirs::from_environment())
    search.user_dir = dirs->config.parent_path() / "qemu" / "firmware";
  auto firmware = find_firmware(search, FirmwareRequest{qemu->q35_machine, secure_boot});
  if (firmware)
    software.firmware = *firmware;
  else
    software.firmware_error = firmware.error().message;
  return software;
}

std::vector<Finding> check_host_software(const SoftwareFacts& software) {
  if (!software.probed) return {};
  return {check_qemu(software), check_ovmf(software)};
}

Finding check_qemu(const SoftwareFacts& software) {
  const std::string id = "qemu.present";
  if (!software.qemu)
    return failure(id, "QEMU (qemu-system-x86_64) is not usable", software.qemu_error,
                   kInstallQemu);
  return pass(id, qemu_name(*software.qemu), software.qemu->binary);
}

Finding check_ovmf(const SoftwareFacts& software) {
  const std::string id = "firmware.ovmf";
  if (!software.firmware)
    return failure(id, "no UEFI firmware (OVMF) for q35 found", software.firmware_error,
                   kInstallOvmf);
  return pass(id, "UEFI firmware: " + software.firmware->code,
              "from " + software.firmware->descriptor);
}

std::vector<Finding> check_vm_qemu_features(const VmConfig& config, const SoftwareFacts& software) {
  const std::string id = "vm.qemu.features";
  if (!software.probed) return {};
  if (!software.qemu)
    return {
        failure(id, "QEMU (qemu-system-x86_64) is not usable", software.qemu_error, kInstallQemu)};
  const QemuCapabilities& qemu = *software.qemu;
  struct Need {
    bool used;
    bool present;
    std::string what;
    std::string fix;
  };
  const HostNeeds vm = host_needs(config);
  std::vector<Need> needs = {
      {vm.needs(QemuAbility::kAudioPipewire), qemu.audiodev_pipewire,
       "PipeWire audio (-audiodev pipewire, QEMU 8.1 and later)",
       "set backend = \"pulseaudio\" under [audio] (pipewire-pulse serves it), or install QEMU "
       "8.1 or later"},
      {vm.needs(QemuAbility::kAudioPulse), qemu.audiodev_pa, "PulseAudio audio (-audiodev pa)",
       install_hint(QemuPart::kAudioPulse)},
      // What QEMU can load, not what -help lists: distributions ship SPICE as a module.
      {vm.needs(QemuAbility::kSpice), qemu.spice,
       "SPICE (Looking Glass input and the SPICE display)", install_hint(QemuPart::kSpice)},
      {vm.needs(QemuAbility::kQxl), qemu.qxl, "qxl-vga (the SPICE display)",
       install_hint(QemuPart::kQxl)},
      {vm.needs(QemuAbility::kIvshmem), qemu.ivshmem, "ivshmem-plain (Looking Glass)",
       "install a QEMU built with ivshmem"},
      {vm.needs(QemuAbility::kUsbHost), qemu.usb_host, "usb-host (USB passthrough, libusb)",
       "sudo apt install qemu-system-x86 (it includes usb-host), or a QEMU built with libusb"},
  };
  std::vector<std::string> used, missing;
  std::string fix;
  for (const auto& need : needs) {
    if (!need.used) continue;
    used.push_back(need.what);
    if (need.present) continue;
    missing.push_back(need.what);
    if (fix.empty()) fix = need.fix;
  }
  std::vector<Finding> findings;
  if (!missing.empty())
    findings.push_back(failure(id, fmt::format("{} lacks {}", qemu_name(qemu), join(missing, ", ")),
                               qemu.binary, fix));
  else
    findings.push_back(pass(id,
                            used.empty() ? qemu_name(qemu) + " has what the VM uses"
                                         : qemu_name(qemu) + " has " + join(used, ", "),
                            qemu.binary));
  if (config.tpm) {
    if (software.swtpm)
      findings.push_back(pass("vm.tpm", "TPM 2.0 through swtpm", *software.swtpm));
    else
      findings.push_back(failure("vm.tpm", "the VM asks for a TPM but swtpm is not installed", "",
                                 "sudo apt install swtpm (Debian/Ubuntu), sudo dnf install swtpm "
                                 "(Fedora), sudo pacman -S swtpm (Arch)"));
  }
  return findings;
}

std::vector<Finding> check_vm_firmware(const VmConfig& config, const SoftwareFacts& software) {
  const std::string id = "vm.firmware";
  const FirmwareConfig& firmware = config.firmware;
  if (!software.probed) return {};
  if (firmware.type == FirmwareConfig::Type::kBios)
    return {pass(id, "firmware: SeaBIOS (legacy BIOS)")};
  if (!firmware.code.empty()) {
    std::vector<std::string> missing;
    std::error_code ec;
    for (const auto& path : {firmware.code, firmware.vars})
      if (!path.empty() && !std::filesystem::exists(path, ec)) missing.push_back(path);
    if (!missing.empty())
      return {failure(id, "firmware image missing: " + join(missing, ", "), "",
                      "fix [firmware] code/vars in the definition, or remove both to use the "
                      "installed OVMF")};
    return {pass(id, "UEFI firmware: " + firmware.code, "as the definition names it")};
  }
  std::string what = firmware.secure_boot ? "Secure Boot UEFI firmware" : "UEFI firmware";
  if (!software.firmware)
    return {
        failure(id, "no " + what + " (OVMF) for q35 found", software.firmware_error, kInstallOvmf)};
  if (firmware.secure_boot && !software.firmware->secure_boot)
    return {failure(id, "the installed OVMF has no Secure Boot build",
                    "found only " + software.firmware->code, kInstallOvmf)};
  return {pass(id, what + ": " + software.firmware->code, "from " + software.firmware->descriptor)};
}

std::vector<Finding> check_vm_audio(const VmConfig& config, const AudioFacts& audio,
                                    const std::optional<AudioSocket>& explicit_server,
                                    const SoftwareFacts& software) {
  const std::string id = "vm.audio";
  const AudioConfig& wanted = config.audio;
  if (!wanted.enabled || wanted.backend == AudioBackend::kNone) return {};
  std::string start = "systemctl --user start pipewire pipewire-pulse (or start PulseAudio)";
  if (explicit_server) {
    if (explicit_server->reachable)
      return {pass(id, "audio server reachable", explicit_server->path)};
    return {failure(id, "the audio server " + explicit_server->path + " refuses connections",
                    explicit_server->exists ? "a stale socket" : "it does not exist",
                    "start the sound server, or fix server under [audio]")};
  }
  switch (wanted.backend) {
    case AudioBackend::kPipewire:
      if (!audio.pipewire.reachable)
        return {failure(id, "PipeWire is not reachable", audio.pipewire.path, start)};
      return {pass(id, "PipeWire reachable", audio.pipewire.path)};
    case AudioBackend::kPulseaudio:
      if (!audio.pulse.reachable)
        return {failure(id, "PulseAudio is not reachable: QEMU exits when it cannot connect",
                        audio.pulse.path.empty() ? "XDG_RUNTIME_DIR is not set" : audio.pulse.path,
                        start)};
      return {pass(id, "PulseAudio reachable", audio.pulse.path)};
    case AudioBackend::kAuto:
    case AudioBackend::kNone:
      break;
  }
  // The launch plan's own choice, so `vfg start` does what this finding says.
  std::vector<std::string> notices;
  auto choice = resolve_audio(wanted, audio, software.qemu.value_or(QemuCapabilities{}), notices);
  if (choice && choice->first == AudioBackend::kPipewire)
    return {pass(id, "audio through PipeWire", audio.pipewire.path)};
  if (choice && choice->first == AudioBackend::kPulseaudio)
    return {pass(id, "audio through PulseAudio", choice->second)};
  if (audio.pipewire.reachable || audio.pulse.reachable)
    return {warn(id, "QEMU cannot use the running sound server: the VM runs without sound",
                 notices.empty() ? "" : notices.front(),
                 "install QEMU's driver for the sound server (the detail names the package)")};
  return {warn(id, "no sound server reachable: the VM runs without sound",
               audio.runtime_dir.empty() ? "XDG_RUNTIME_DIR is not set"
                                         : "no PipeWire or PulseAudio socket accepts connections",
               start)};
}

}  // namespace vfg::check
