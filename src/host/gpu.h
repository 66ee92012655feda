// GPUs and the cards they sit on. A card is decided by topology: the
// functions of the GPU's slot plus every endpoint below the card's own switch
// (AMD Navi and Intel Arc put HDMI audio on another bus behind it). Vendor
// IDs are never used to pair functions: AMD Vega's switch ports carry the
// CPU vendor's ID, and an AMD iGPU plus an AMD dGPU share a vendor.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"
#include "host/iommu.h"
#include "host/pci.h"

namespace vfg {

/// What kind of GPU a card is.
enum class GpuKind {
  kDiscrete,    ///< a plug-in or soldered dGPU: the passthrough candidate
  kIntegrated,  ///< part of the CPU/chipset (Intel 00:02.0, AMD APU graphics)
  kBmc,         ///< server management VGA (ASPEED, Matrox): never a candidate
};

/// Whether the card can be given to a VM as it is.
enum class GpuVerdict {
  kPassable,    ///< its IOMMU groups hold nothing but the card (and bridges)
  kShared,      ///< other endpoints share its groups and would have to go with it
  kIommuOff,    ///< no IOMMU groups: nothing can be passed until the IOMMU is on
  kIntegrated,  ///< an integrated GPU: not offered
  kBmc,         ///< a BMC's VGA: not offered
};

/// True for the display classes: VGA (0x0300), 3D controller (0x0302), other display (0x0380).
bool is_gpu_class(uint32_t class_code);

/// One GPU and its card.
struct GpuCard {
  /// The display function (class 0x0300, 0x0302 or 0x0380).
  PciAddress gpu;
  GpuKind kind = GpuKind::kDiscrete;
  /// Every endpoint of the card, the GPU first, then by address.
  std::vector<PciAddress> functions;
  /// The card's own switch ports (upstream port first), when it has a switch.
  std::vector<PciAddress> bridges;
  /// The IOMMU groups the card's functions are in, sorted.
  std::vector<int> iommu_groups;
  GpuVerdict verdict = GpuVerdict::kPassable;
  /// Endpoints outside the card that share its IOMMU groups.
  std::vector<PciAddress> shared_with;
  /// Endpoints outside the card with the same vendor:device ID as one of its
  /// functions: `vfio-pci.ids` would grab them too, so bind by address.
  std::vector<PciAddress> ids_shared_with;
  /// The firmware's boot display (`boot_vga`), which the host console uses.
  bool boot_vga = false;
  /// The GPU function's bound driver ("vfio-pci", "amdgpu"), nullopt when none.
  std::optional<std::string> driver;
  /// A DRM connector of the card reports a connected output, or a
  /// framebuffer console runs on it: the host is showing something there.
  bool shows_output = false;

  [[nodiscard]] bool on_vfio() const { return driver == "vfio-pci"; }
};

/// Whether `gpu` drives a display now: a DRM connector with status
/// "connected" or a framebuffer device under the PCI function.
bool gpu_shows_output(const HostRoot& root, const PciAddress& gpu);

/// Finds every GPU and its card; IOMMU state decides the verdicts.
std::vector<GpuCard> find_gpu_cards(const PciDevices& devices, const IommuGroups& groups);

/// "discrete", "integrated", "bmc".
std::string_view to_string(GpuKind kind);
/// "passable", "shared", "iommu-off", "integrated", "bmc".
std::string_view to_string(GpuVerdict verdict);

}  // namespace vfg
