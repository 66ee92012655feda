#include "run/plan_resolver.h"

#include <cstdlib>
#include <filesystem>

#include "host/pci.h"
#include "host/system_state.h"
#include "run/qemu_caps_cache.h"
#include "vm/firmware.h"

namespace vfg {

namespace fs = std::filesystem;

namespace {

Status resolve_accelerator(const VmConfig& config, const SystemState& state, ResolvedPlan& out) {
  bool usable = kvm_runs_guests(state);
  switch (config.accel) {
    case Accel::kKvm:
      if (!usable) {
        return fail(
            "accel = \"kvm\" but KVM cannot run guests here (see 'vfg check'); use \"auto\" to "
            "fall back to TCG");
      }
      out.plan.kvm = true;
      break;
    case Accel::kTcg:
      out.plan.kvm = false;
      break;
    case Accel::kAuto:
      out.plan.kvm = usable;
      if (!usable) {
        out.notices.push_back(
            "KVM cannot run guests on this host; using TCG (software emulation, much slower)");
      }
      break;
  }
  return ok();
}

Status resolve_gpus(const VmConfig& config, const HostRoot& root, ResolvedPlan& out) {
  if (config.gpus.empty()) return ok();
  PciDevices devices = scan_pci(root);
  for (const auto& gpu : config.gpus) {
    auto address = PciAddress::parse(gpu.address);
    if (!address || devices.find(*address) == nullptr)
      return fail("GPU {} is not on this host (see 'vfg devices')", gpu.address);
    std::vector<std::string> functions{address->to_string()};
    if (gpu.all_functions) {
      for (const PciFunction* function : devices.slot(*address)) {
        if (function->address != *address) functions.push_back(function->address.to_string());
      }
    } else {
      functions.insert(functions.end(), gpu.functions.begin(), gpu.functions.end());
    }
    out.plan.gpu_functions.push_back(std::move(functions));
  }
  return ok();
}

// Sound goes to the user's own server; detect its socket, not its binary.
void resolve_audio(const VmConfig& config, const XdgDirs& dirs, ResolvedPlan& out) {
  const auto& caps = out.plan.qemu;
  if (!config.audio.enabled || config.audio.backend == AudioBackend::kNone) {
    out.plan.audio = AudioBackend::kNone;
    return;
  }
  fs::path runtime = dirs.runtime.parent_path();
  std::error_code error;
  bool pipewire = fs::exists(runtime / "pipewire-0", error);
  fs::path pulse =
      config.audio.server.empty() ? runtime / "pulse" / "native" : fs::path(config.audio.server);
  bool pulse_socket = fs::exists(pulse, error);
  AudioBackend wanted = config.audio.backend;
  if (wanted == AudioBackend::kPipewire && !caps.audiodev_pipewire) {
    out.notices.push_back(fmt::format(
        "QEMU {} has no PipeWire audio (it needs 8.1); using its PulseAudio backend, which "
        "pipewire-pulse serves",
        caps.version));
    wanted = AudioBackend::kPulseaudio;
  }
  if (wanted == AudioBackend::kAuto) {
    if (pipewire && caps.audiodev_pipewire)
      wanted = AudioBackend::kPipewire;
    else if (pulse_socket && caps.audiodev_pa)
      wanted = AudioBackend::kPulseaudio;
  }
  if (wanted == AudioBackend::kPulseaudio && pulse_socket) {
    out.plan.audio = AudioBackend::kPulseaudio;
    out.plan.audio_server = pulse.string();
  } else if (wanted == AudioBackend::kPipewire) {
    out.plan.audio = AudioBackend::kPipewire;
  } else {
    // An unreachable PulseAudio server is fatal to QEMU; run silent instead.
    out.plan.audio = AudioBackend::kNone;
    out.notices.push_back(
        "no PipeWire or PulseAudio socket found for this user; the guest has no sound");
  }
}

}  // namespace

Result<ResolvedPlan> resolve_launch_plan(const VmConfig& config, const VmPaths& paths,
                                         const XdgDirs& dirs, const HostRoot& root) {
  ResolvedPlan out;
  out.plan.paths = paths;
  auto state = read_system_state(root);
  if (!state) return fail(state.error(), "reading the host");
  if (auto accel = resolve_accelerator(config, *state, out); !accel)
    return tl::unexpected(accel.error());
  out.plan.host_cpu_amd = state->cpu_vendor == "AuthenticAMD";

  auto caps = probe_qemu_cached(dirs.runtime / "qemu-capabilities.json");
  if (!caps) return fail(caps.error(), "probing QEMU");
  out.plan.qemu = *caps;

  if (config.firmware.type == FirmwareConfig::Type::kUefi) {
    FirmwareFiles firmware;
    if (!config.firmware.code.empty()) {
      firmware.code = config.firmware.code;
      firmware.vars_template = config.firmware.vars;
      firmware.secure_boot = config.firmware.secure_boot;
    } else {
      FirmwareSearch search;
      search.root = &root;
      search.user_dir = dirs.config.parent_path() / "qemu" / "firmware";
      FirmwareRequest request;
      request.machine = caps->q35_machine;
      request.secure_boot = config.firmware.secure_boot;
      auto found = find_firmware(search, request);
      if (!found) return fail(found.error(), "finding UEFI firmware");
      firmware = *found;
    }
    auto copy = ensure_vars_copy(firmware, paths.vars_file(firmware.vars_format));
    if (!copy) return fail(copy.error(), "preparing the firmware variable store");
    out.plan.vars_copy = copy->string();
    out.plan.firmware = std::move(firmware);
  }
  if (auto gpus = resolve_gpus(config, root, out); !gpus) return tl::unexpected(gpus.error());
  resolve_audio(config, dirs, out);
  return out;
}

}  // namespace vfg
