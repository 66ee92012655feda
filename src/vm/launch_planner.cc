#include "vm/launch_planner.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/gpu.h"
#include "host/iommu.h"
#include "host/pci.h"
#include "host/system_state.h"
#include "util/file_io.h"

namespace vfg {

namespace fs = std::filesystem;

SoundSockets find_sound_sockets(const fs::path& runtime_dir) {
  SoundSockets sockets;
  if (runtime_dir.empty()) return sockets;
  std::error_code error;
  // Sockets, not binaries: a server that is installed but not running is no use.
  if (fs::is_socket(runtime_dir / "pipewire-0", error)) {
    sockets.pipewire = (runtime_dir / "pipewire-0").string();
  }
  if (fs::is_socket(runtime_dir / "pulse" / "native", error)) {
    sockets.pulse = (runtime_dir / "pulse" / "native").string();
  }
  return sockets;
}

namespace {

// Debian and Ubuntu ship QEMU's PulseAudio driver in a package of its own.
constexpr std::string_view kInstallPulseDriver =
    "install qemu-system-gui (Debian/Ubuntu), which holds QEMU's PulseAudio driver";

}  // namespace

Result<std::pair<AudioBackend, std::string>> resolve_audio(const AudioConfig& config,
                                                           const SoundSockets& sockets,
                                                           const QemuCapabilities& qemu,
                                                           std::vector<std::string>& notices) {
  using Choice = std::pair<AudioBackend, std::string>;
  if (!config.enabled) return Choice{AudioBackend::kNone, ""};
  std::string pulse = config.server.empty() ? sockets.pulse : config.server;
  switch (config.backend) {
    case AudioBackend::kNone:
      return Choice{AudioBackend::kNone, ""};
    case AudioBackend::kPipewire:
      if (qemu.audiodev_pipewire) return Choice{AudioBackend::kPipewire, ""};
      if (!qemu.audiodev_pa || pulse.empty()) {
        return fail(
            "audio.backend = \"pipewire\" needs QEMU 8.1 (this is {}) or a PulseAudio "
            "socket for pipewire-pulse{}; install pipewire-pulse or set audio.backend = "
            "\"none\"",
            qemu.version, qemu.audiodev_pa ? "" : " and QEMU's PulseAudio driver");
      }
      notices.push_back(fmt::format(
          "QEMU {} has no PipeWire audio (8.1+); using PulseAudio through pipewire-pulse",
          qemu.version));
      return Choice{AudioBackend::kPulseaudio, pulse};
    case AudioBackend::kPulseaudio:
      // QEMU exits at start when the driver or the server is missing; say so now instead.
      if (!qemu.audiodev_pa) {
        return fail(
            "audio.backend = \"pulseaudio\" but QEMU {} has no PulseAudio driver (-audiodev "
            "help lists no 'pa'); {}, or set audio.backend = \"none\"",
            qemu.version, kInstallPulseDriver);
      }
      if (pulse.empty()) {
        return fail(
            "audio.backend = \"pulseaudio\" but no PulseAudio socket was found in "
            "$XDG_RUNTIME_DIR/pulse; start pulseaudio or pipewire-pulse, set "
            "audio.server, or set audio.backend = \"none\"");
      }
      return Choice{AudioBackend::kPulseaudio, pulse};
    case AudioBackend::kAuto:
      if (!sockets.pipewire.empty() && qemu.audiodev_pipewire) {
        return Choice{AudioBackend::kPipewire, ""};
      }
      if (!pulse.empty() && qemu.audiodev_pa) return Choice{AudioBackend::kPulseaudio, pulse};
      if (!pulse.empty()) {
        notices.push_back(
            fmt::format("QEMU {} has no PulseAudio driver; the guest's sound card is silent ({})",
                        qemu.version, kInstallPulseDriver));
      } else {
        notices.emplace_back(
            "no PipeWire or PulseAudio socket found; the guest's sound card is "
            "silent");
      }
      return Choice{AudioBackend::kNone, ""};
  }
  return Choice{AudioBackend::kNone, ""};
}

namespace {

std::string_view format_of(const std::string& path) {
  return path.size() > 6 && path.substr(path.size() - 6) == ".qcow2" ? "qcow2" : "raw";
}

Result<FirmwareFiles> resolve_firmware(const VmConfig& config, const HostRoot& root,
                                       const XdgDirs& dirs, const QemuCapabilities& qemu) {
  const FirmwareConfig& firmware = config.firmware;
  if (!firmware.code.empty()) {
    FirmwareFiles files;
    files.descriptor = "firmware.code and firmware.vars";
    files.code = firmware.code;
    files.code_format = std::string(format_of(firmware.code));
    files.vars_template = firmware.vars;
    files.vars_format = std::string(format_of(firmware.vars));
    // An explicit Secure Boot build needs SMM like a described one.
    files.secure_boot = firmware.secure_boot;
    files.requires_smm = firmware.secure_boot;
    return files;
  }
  FirmwareSearch search{&root, dirs.config.parent_path() / "qemu" / "firmware"};
  return find_firmware(search, {qemu.q35_machine, firmware.secure_boot});
}

Result<std::vector<std::vector<std::string>>> resolve_gpus(const VmConfig& config,
                                                           const HostReading& host) {
  std::vector<std::vector<std::string>> resolved;
  if (config.gpus.empty()) return resolved;
  const PciDevices& devices = host.pci();
  std::optional<std::vector<GpuCard>> cards;
  for (size_t i = 0; i < config.gpus.size(); ++i) {
    const GpuConfig& gpu = config.gpus[i];
    auto address = PciAddress::parse(gpu.address);
    if (!address || devices.find(*address) == nullptr) {
      return fail(
          "gpu[{}]: there is no PCI device {} on this host; list the cards with 'vfg "
          "devices gpu'",
          i, gpu.address);
    }
    std::vector<std::string> functions{address->to_string()};
    if (gpu.all_functions) {
      for (const PciFunction* function : devices.slot(*address)) {
        std::string name = function->address.to_string();
        if (name != functions.front()) functions.push_back(name);
      }
      // A card with its own PCIe switch (AMD Navi, Intel Arc) has its HDMI
      // audio on another bus behind that switch: the card, not the slot, decides.
      if (!cards) cards = find_gpu_cards(devices, host.iommu_groups());
      for (const GpuCard& card : *cards) {
        if (!card.gpu.same_slot(*address)) continue;
        for (const auto& function : card.functions) {
          std::string name = function.to_string();
          if (std::find(functions.begin(), functions.end(), name) == functions.end())
            functions.push_back(name);
        }
      }
    } else {
      for (const auto& extra : gpu.functions) {
        auto parsed = PciAddress::parse(extra);
        if (!parsed || devices.find(*parsed) == nullptr) {
          return fail("gpu[{}]: there is no PCI device {} on this host", i, extra);
        }
        functions.push_back(parsed->to_string());
      }
    }
    resolved.push_back(std::move(functions));
  }
  return resolved;
}

}  // namespace

Result<LaunchPlan> plan_launch(const VmConfig& config, const HostRoot& root, const XdgDirs& dirs,
                               const std::string& qemu_binary) {
  auto qemu = probe_qemu(qemu_binary);
  if (!qemu) return tl::unexpected(qemu.error());
  return plan_launch(config, HostReading(root), dirs, *qemu, qemu_binary);
}

Result<LaunchPlan> plan_launch(const VmConfig& config, const HostReading& host, const XdgDirs& dirs,
                               const QemuCapabilities& qemu, const std::string& qemu_binary) {
  const HostRoot& root = host.root();
  LaunchPlan plan;
  plan.paths = VmPaths::make(dirs, config.name);
  plan.qemu = qemu;
  plan.qemu_binary = qemu_binary;

  const auto& state = host.system_state();
  if (!state) return fail(state.error(), "reading the host");
  plan.host_cpu_amd = state->cpu_vendor == "AuthenticAMD";
  bool kvm = kvm_runs_guests(*state);
  switch (config.accel) {
    case Accel::kKvm:
      if (!kvm) {
        return fail(
            "accel = \"kvm\" but KVM cannot run guests here (no usable /dev/kvm or no "
            "VT-x/AMD-V); run 'vfg check', or set accel = \"auto\" to fall back to TCG");
      }
      plan.kvm = true;
      break;
    case Accel::kTcg:
      plan.kvm = false;
      break;
    case Accel::kAuto:
      plan.kvm = kvm;
      if (!kvm) plan.notices.emplace_back("KVM cannot run guests here; using TCG (slow)");
      break;
  }

  if (config.firmware.type == FirmwareConfig::Type::kUefi) {
    auto firmware = resolve_firmware(config, root, dirs, plan.qemu);
    if (!firmware) return tl::unexpected(firmware.error());
    plan.firmware = *firmware;
    plan.vars_copy = plan.paths.vars_file(firmware->vars_format).string();
  }

  auto gpus = resolve_gpus(config, host);
  if (!gpus) return tl::unexpected(gpus.error());
  plan.gpu_functions = std::move(*gpus);

  auto audio = resolve_audio(config.audio, find_sound_sockets(dirs.runtime.parent_path()),
                             plan.qemu, plan.notices);
  if (!audio) return tl::unexpected(audio.error());
  plan.audio = audio->first;
  plan.audio_server = audio->second;
  return plan;
}

Status prepare_vm_files(const LaunchPlan& plan) {
  if (auto made = make_directories(plan.paths.data_dir, 0700); !made) return made;
  if (plan.firmware) {
    auto copy = ensure_vars_copy(*plan.firmware, plan.vars_copy);
    if (!copy) return tl::unexpected(copy.error());
  }
  return ok();
}

}  // namespace vfg
