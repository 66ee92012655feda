#include "vm/host_needs.h"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.h"
#include "vm/hugepage_size.h"

namespace vfg {

LockedMemoryNeed VmConfig::locked_memory_need() const {
  bool pins = !gpus.empty();  // VFIO pins all guest RAM
  if (!pins && !memory.lock) return {};
  // mlockall and VFIO pinning both charge locked_vm, so together they count twice.
  bool twice = pins && memory.lock;
  uint64_t ram = memory.size * (twice ? 2 : 1);
  uint64_t lg = looking_glass.enabled ? looking_glass.effective_size() : 0;
  LockedMemoryNeed need;
  need.bytes = ram + lg + kGiB;
  need.formula = twice ? "RAM ×2 (mem-lock on top of VFIO pinning)" : "RAM";
  need.detail = format_bytes(memory.size) + " RAM" + (twice ? " ×2" : "");
  if (lg > 0) {
    need.formula += " + Looking Glass";
    need.detail += " + " + format_bytes(lg) + " Looking Glass";
  }
  need.formula += " + 1 GiB";
  need.detail += " + 1 GiB";
  return need;
}

std::vector<const DeviceNodeNeed*> HostNeeds::nodes_of(DeviceNodeNeed::Kind kind) const {
  std::vector<const DeviceNodeNeed*> out;
  for (const auto& node : nodes)
    if (node.kind == kind) out.push_back(&node);
  return out;
}

bool HostNeeds::needs(QemuAbility ability) const {
  return std::find(qemu.begin(), qemu.end(), ability) != qemu.end();
}

namespace {

void add_looking_glass(const VmConfig& config, HostNeeds& needs) {
  const LookingGlassConfig& lg = config.looking_glass;
  if (!lg.enabled) return;
  needs.looking_glass_bytes = lg.effective_size();
  needs.looking_glass_path = lg.memory_path();
  bool kvmfr = lg.backend == LookingGlassConfig::Backend::kKvmfr;
  DeviceNodeNeed node;
  node.kind = kvmfr ? DeviceNodeNeed::Kind::kKvmfr : DeviceNodeNeed::Kind::kSharedFile;
  node.path = lg.memory_path();
  node.client_opens = true;
  needs.nodes.push_back(node);
  if (kvmfr)
    needs.modules.push_back(
        {"kvmfr", {fmt::format("static_size_mb={}", needs.looking_glass_mib())}});
  needs.qemu.push_back(QemuAbility::kIvshmem);
}

void add_storage_and_input(const VmConfig& config, HostNeeds& needs) {
  for (size_t i = 0; i < config.disks.size(); ++i) {
    const DiskConfig& disk = config.disks[i];
    if (!is_block_device_path(disk.path)) {
      needs.files.push_back(disk.path);
      continue;
    }
    DeviceNodeNeed node;
    node.kind = DeviceNodeNeed::Kind::kDisk;
    node.path = disk.path;
    node.write = !disk.read_only && disk.media != DiskMedia::kCdrom;
    node.index = i;
    needs.nodes.push_back(node);
  }
  for (size_t i = 0; i < config.usb.size(); ++i) {
    DeviceNodeNeed node;
    node.kind = DeviceNodeNeed::Kind::kUsb;
    node.index = i;
    node.usb = config.usb[i];
    needs.nodes.push_back(node);
  }
  if (!config.usb.empty()) needs.qemu.push_back(QemuAbility::kUsbHost);
  for (size_t i = 0; i < config.inputs.size(); ++i) {
    DeviceNodeNeed node;
    node.kind = DeviceNodeNeed::Kind::kInput;
    node.path = config.inputs[i].evdev;
    node.write = false;
    node.index = i;
    needs.nodes.push_back(node);
  }
}

}  // namespace

HostNeeds host_needs(const VmConfig& config) {
  HostNeeds needs;
  needs.vm = config.name;
  for (const auto& gpu : config.gpus) {
    bool at_start = gpu.binding == GpuBinding::kStart;
    needs.bindings.push_back({gpu.address, gpu.all_functions, at_start, gpu.address});
    if (!gpu.all_functions)
      for (const auto& function : gpu.functions)
        needs.bindings.push_back({function, false, at_start, gpu.address});
    if (!gpu.rom_file.empty()) needs.files.push_back(gpu.rom_file);
  }
  if (!needs.bindings.empty()) {
    DeviceNodeNeed vfio;
    vfio.kind = DeviceNodeNeed::Kind::kVfio;
    needs.nodes.push_back(vfio);
  }
  needs.memlock = config.locked_memory_need();
  if (uint64_t pages = hugepages_needed(config.memory); pages > 0) {
    needs.hugepage_size = config.memory.hugepages;
    needs.hugepages = pages;
  }
  add_looking_glass(config, needs);
  add_storage_and_input(config, needs);
  if (config.audio.enabled && config.audio.backend == AudioBackend::kPipewire)
    needs.qemu.push_back(QemuAbility::kAudioPipewire);
  if (config.audio.enabled && config.audio.backend == AudioBackend::kPulseaudio)
    needs.qemu.push_back(QemuAbility::kAudioPulse);
  if (wants_spice(config)) needs.qemu.push_back(QemuAbility::kSpice);
  if (config.display.type == DisplayConfig::Type::kSpice) needs.qemu.push_back(QemuAbility::kQxl);
  if (config.boot.enabled()) {
    needs.files.push_back(config.boot.kernel);
    if (!config.boot.initrd.empty()) needs.files.push_back(config.boot.initrd);
  }
  needs.swtpm = config.tpm;
  return needs;
}

HostNeeds host_needs(const VmConfig& config, const LaunchPlan& plan) {
  HostNeeds needs = host_needs(config);
  needs.bindings.clear();
  // One list of functions per card, in the definition's order.
  for (size_t card = 0; card < plan.gpu_functions.size(); ++card) {
    bool at_start = card < config.gpus.size() && config.gpus[card].binding == GpuBinding::kStart;
    for (const auto& address : plan.gpu_functions[card])
      needs.bindings.push_back({address, false, at_start, plan.gpu_functions[card].front()});
  }
  std::erase(needs.qemu, QemuAbility::kAudioPipewire);
  std::erase(needs.qemu, QemuAbility::kAudioPulse);
  if (plan.audio == AudioBackend::kPipewire) needs.qemu.push_back(QemuAbility::kAudioPipewire);
  if (plan.audio == AudioBackend::kPulseaudio) needs.qemu.push_back(QemuAbility::kAudioPulse);
  return needs;
}

}  // namespace vfg
