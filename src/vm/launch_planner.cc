#include "vm/launch_planner.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/gpu.h"
#include "host/iommu.h"
#include "host/pci.h"
#include "host/system_state.h"
#include "util/file_io.h"
#include "vm/audio_servers.h"

namespace vfg {

namespace fs = std::filesystem;

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

/// A kernel booted directly under Secure Boot: OVMF from edk2 2025 on no
/// longer falls back to its unverified loader when the kernel's signature is
/// not trusted, and the guest stays at the firmware screen. QEMU's -shim puts
/// a signed shim in front of the kernel, where this QEMU has it.
void note_kernel_boot_under_secure_boot(const VmConfig& config, LaunchPlan& plan) {
  if (!config.boot.enabled() || !plan.firmware || !plan.firmware->secure_boot) return;
  bool has_shim = std::find(config.extra_args.begin(), config.extra_args.end(), "-shim") !=
                  config.extra_args.end();
  if (has_shim) return;
  std::string shim = plan.qemu.shim
                         ? "give QEMU a signed shim to load it (extra_args = [\"-shim\", "
                           "\"/usr/lib/shim/shimx64.efi.signed\"], Debian's shim-signed)"
                         : fmt::format("QEMU {} has no -shim to put a signed shim in front of it",
                                       plan.qemu.version);
  plan.notices.push_back(fmt::format(
      "Secure Boot firmware with a directly booted kernel: OVMF from edk2 2025 on refuses a "
      "kernel its keys do not trust (\"Fallback to insecure legacy linux kernel loader is "
      "disabled\") and stays at its screen; {}, or set firmware.secure_boot = false",
      shim));
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
  note_kernel_boot_under_secure_boot(config, plan);

  auto gpus = resolve_gpus(config, host);
  if (!gpus) return tl::unexpected(gpus.error());
  plan.gpu_functions = std::move(*gpus);

  // The same connection test and the same choice as `vfg check`.
  auto audio = resolve_audio(config.audio, gather_audio(dirs.runtime.parent_path()), plan.qemu,
                             plan.notices);
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
