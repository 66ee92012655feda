#include "host/gpu.h"

#include <algorithm>
#include <set>

namespace vfg {

bool is_gpu_class(uint32_t class_code) {
  if (class_code == kPciClassUnknown) return false;
  uint32_t id = class_code >> 8;
  return id == 0x0300 || id == 0x0302 || id == 0x0380;
}

std::string_view to_string(GpuKind kind) {
  switch (kind) {
    case GpuKind::kDiscrete:
      return "discrete";
    case GpuKind::kIntegrated:
      return "integrated";
    case GpuKind::kBmc:
      return "bmc";
  }
  return "discrete";
}

std::string_view to_string(GpuVerdict verdict) {
  switch (verdict) {
    case GpuVerdict::kPassable:
      return "passable";
    case GpuVerdict::kShared:
      return "shared";
    case GpuVerdict::kIommuOff:
      return "iommu-off";
    case GpuVerdict::kIntegrated:
      return "integrated";
    case GpuVerdict::kBmc:
      return "bmc";
  }
  return "passable";
}

namespace {

// Functions a graphics card carries besides the GPU: HDMI/DP audio, a USB-C
// controller and its UCSI function.
bool is_card_companion_class(uint32_t class_code) {
  uint32_t id = class_code >> 8;
  return is_gpu_class(class_code) || id == 0x0403 || id == 0x0401 || id == 0x0c03 || id == 0x0c80;
}

// The upstream port of the switch the GPU sits behind, if that switch belongs
// to the card: everything below it is GPU, audio, USB-C or UCSI, and no other
// GPU outside the GPU's own slot. A chipset switch (USB, SATA, NIC below it)
// or a multi-slot PLX switch fails this and the card is just the slot.
std::optional<PciAddress> card_switch(const PciDevices& devices, const PciFunction& gpu) {
  auto downstream_address = gpu.parent();
  if (!downstream_address) return std::nullopt;
  const PciFunction* downstream = devices.find(*downstream_address);
  if (downstream == nullptr || !downstream->is_bridge()) return std::nullopt;
  auto upstream_address = downstream->parent();
  if (!upstream_address) return std::nullopt;  // the GPU hangs from a root port
  const PciFunction* upstream = devices.find(*upstream_address);
  if (upstream == nullptr || !upstream->is_bridge()) return std::nullopt;  // e.g. below VMD
  // A switch hangs from a root port (or another switch's downstream port); a
  // bridge with nothing above it is the root port itself, as with a BMC's
  // PCIe-to-PCI bridge right below one.
  auto above = upstream->parent();
  const PciFunction* above_function = above ? devices.find(*above) : nullptr;
  if (above_function == nullptr || !above_function->is_bridge()) return std::nullopt;
  for (const auto& function : devices.functions) {
    if (function.is_bridge() || !function.is_below(*upstream_address)) continue;
    if (!is_card_companion_class(function.class_code)) return std::nullopt;
    if (is_gpu_class(function.class_code) && !function.address.same_slot(gpu.address))
      return std::nullopt;
  }
  return upstream_address;
}

// Server boards' BMCs expose a small VGA for the remote console.
bool is_bmc_vga(const PciFunction& gpu) {
  return gpu.vendor_id == 0x1a03      // ASPEED
         || gpu.vendor_id == 0x102b;  // Matrox G200e family
}

// Integrated GPUs are root-complex endpoints (bus 0: Intel 00:02.0), or share
// their slot with functions from another vendor (AMD APUs: the 1002 GPU and
// 1022 PSP, USB and audio co-processor in one slot behind an internal bridge).
// A discrete card's functions all come from the GPU maker.
bool is_integrated(const PciDevices& devices, const PciFunction& gpu) {
  if (gpu.address.bus == 0) return true;
  for (const PciFunction* mate : devices.slot(gpu.address)) {
    if (mate->vendor_id != gpu.vendor_id) return true;
    if (mate->class_id() == 0x1080) return true;  // encryption controller (AMD PSP/CCP)
  }
  return false;
}

GpuCard build_card(const PciDevices& devices, const IommuGroups& groups, const PciFunction& gpu) {
  GpuCard card;
  card.gpu = gpu.address;
  card.boot_vga = gpu.boot_vga.value_or(false);
  card.driver = gpu.driver;
  std::set<PciAddress> members;
  for (const PciFunction* mate : devices.slot(gpu.address))
    if (!mate->is_bridge()) members.insert(mate->address);
  if (auto upstream = card_switch(devices, gpu)) {
    card.bridges.push_back(*upstream);
    for (const auto& function : devices.functions) {
      if (!function.is_below(*upstream)) continue;
      if (function.is_bridge()) {
        card.bridges.push_back(function.address);
      } else {
        members.insert(function.address);
      }
    }
  }
  card.functions.push_back(gpu.address);
  for (const auto& address : members)
    if (address != gpu.address) card.functions.push_back(address);

  if (is_bmc_vga(gpu)) {
    card.kind = GpuKind::kBmc;
  } else if (is_integrated(devices, gpu)) {
    card.kind = GpuKind::kIntegrated;
  }

  std::set<int> group_numbers;
  bool missing_group = false;
  for (const auto& address : card.functions) {
    const PciFunction* function = devices.find(address);
    if (function != nullptr && function->iommu_group) {
      group_numbers.insert(*function->iommu_group);
    } else {
      missing_group = true;
    }
  }
  card.iommu_groups.assign(group_numbers.begin(), group_numbers.end());
  for (int number : card.iommu_groups) {
    const IommuGroup* group = groups.find(number);
    if (group == nullptr) continue;
    for (const auto& address : group_endpoints(*group, devices)) {
      if (members.contains(address)) continue;
      // Driver-less host and ISA bridges (AMD's dummy host bridges share the
      // root port's group) neither block the group nor need to follow the card.
      const PciFunction* function = devices.find(address);
      if (function != nullptr && (function->class_code >> 16) == 0x06 && !function->driver)
        continue;
      card.shared_with.push_back(address);
    }
  }
  std::sort(card.shared_with.begin(), card.shared_with.end());

  for (const auto& address : card.functions) {
    const PciFunction* function = devices.find(address);
    if (function == nullptr || function->vendor_id == 0xffff) continue;
    for (const auto& other : devices.functions) {
      if (other.is_bridge() || members.contains(other.address)) continue;
      if (other.vendor_id == function->vendor_id && other.device_id == function->device_id)
        card.ids_shared_with.push_back(other.address);
    }
  }
  std::sort(card.ids_shared_with.begin(), card.ids_shared_with.end());
  card.ids_shared_with.erase(std::unique(card.ids_shared_with.begin(), card.ids_shared_with.end()),
                             card.ids_shared_with.end());

  if (card.kind == GpuKind::kBmc) {
    card.verdict = GpuVerdict::kBmc;
  } else if (card.kind == GpuKind::kIntegrated) {
    card.verdict = GpuVerdict::kIntegrated;
  } else if (!groups.enabled || missing_group) {
    card.verdict = GpuVerdict::kIommuOff;
  } else if (!card.shared_with.empty()) {
    card.verdict = GpuVerdict::kShared;
  }
  return card;
}

}  // namespace

std::vector<GpuCard> find_gpu_cards(const PciDevices& devices, const IommuGroups& groups) {
  std::vector<GpuCard> cards;
  std::set<PciAddress> claimed;
  for (const auto& function : devices.functions) {
    if (!is_gpu_class(function.class_code) || claimed.contains(function.address)) continue;
    GpuCard card = build_card(devices, groups, function);
    claimed.insert(card.functions.begin(), card.functions.end());
    cards.push_back(std::move(card));
  }
  return cards;
}

bool gpu_shows_output(const HostRoot& root, const PciAddress& gpu) {
  std::string device = join_host_path("/sys/bus/pci/devices", gpu.to_string());
  // A framebuffer console (efifb is not under the device; fbdev emulation of a DRM driver is).
  if (!root.list_dir(join_host_path(device, "graphics")).empty()) return true;
  std::string drm = join_host_path(device, "drm");
  for (const auto& card : root.list_dir(drm)) {
    if (card.rfind("card", 0) != 0) continue;
    std::string card_dir = join_host_path(drm, card);
    // Connectors are "cardN-HDMI-A-1", "cardN-DP-2", ... next to the card's attributes.
    for (const auto& connector : root.list_dir(card_dir)) {
      if (connector.rfind(card + "-", 0) != 0) continue;
      if (root.read_attr(join_host_path(join_host_path(card_dir, connector), "status")) ==
          "connected")
        return true;
    }
  }
  return false;
}

}  // namespace vfg
