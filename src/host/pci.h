// PCI functions as the kernel shows them in sysfs: identity, class, driver,
// IOMMU group and where each sits in the bridge hierarchy.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace vfg {

/// A PCI function address, domain:bus:device.function. Domains can be wider
/// than four hex digits (Intel VMD puts its devices in domain 10000).
struct PciAddress {
  uint32_t domain = 0;
  uint8_t bus = 0;
  uint8_t device = 0;
  uint8_t function = 0;

  /// Parses "0000:01:00.0", "10000:e1:00.0" or, with domain 0, "01:00.0".
  static std::optional<PciAddress> parse(std::string_view text);
  /// "0000:01:00.0"; the domain has at least four digits, more when it needs them.
  [[nodiscard]] std::string to_string() const;
  /// True when both are functions of the same physical slot (domain:bus:device).
  [[nodiscard]] bool same_slot(const PciAddress& other) const {
    return domain == other.domain && bus == other.bus && device == other.device;
  }

  auto operator<=>(const PciAddress&) const = default;
};

/// The layout of a function's configuration header. Only normal (type 0)
/// functions are endpoints; bridges never block an IOMMU group.
enum class PciHeaderType { kNormal, kBridge, kCardBus, kUnknown };

/// The PCI class value the kernel shows in `class` (0x030000 = VGA controller).
constexpr uint32_t kPciClassUnknown = 0xffffffff;

/// One PCI function. Attributes the kernel did not expose or that could not be
/// read are nullopt (or the documented sentinel); they never fail a scan.
struct PciFunction {
  PciAddress address;
  /// The device directory in the host: "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0".
  std::string sysfs_path;
  /// 0xffff (what an empty slot reads as) when unknown.
  uint16_t vendor_id = 0xffff;
  uint16_t device_id = 0xffff;
  std::optional<uint16_t> subsystem_vendor_id;
  std::optional<uint16_t> subsystem_device_id;
  /// Base class, subclass and programming interface: 0x030000. kPciClassUnknown when unreadable.
  uint32_t class_code = kPciClassUnknown;
  std::optional<uint8_t> revision;
  /// The bound driver ("vfio-pci", "nvidia", "pcieport"), nullopt when none is bound.
  std::optional<std::string> driver;
  /// The kernel module of that driver ("bochs" for "bochs-drm"), nullopt when it is
  /// built in or unknown: modprobe knows drivers only by their module's name.
  std::optional<std::string> driver_module;
  /// The IOMMU group number; nullopt when the IOMMU is off or the device has none.
  std::optional<int> iommu_group;
  /// `boot_vga` (only VGA-class functions have it): the firmware's boot display.
  std::optional<bool> boot_vga;
  /// `reset_method` in the kernel's order ("flr", "bus", ...); nullopt when the
  /// kernel has no such attribute (before 5.15, or no method at all).
  std::optional<std::vector<std::string>> reset_methods;
  PciHeaderType header_type = PciHeaderType::kUnknown;
  /// Bridges from the root complex down to this function's immediate parent.
  std::vector<PciAddress> parents;
  /// Names from the ID database (empty when unknown).
  std::string vendor_name;
  std::string device_name;
  std::string subsystem_name;

  /// Bridges and CardBus bridges: whatever driver they have, they do not make
  /// an IOMMU group unusable.
  [[nodiscard]] bool is_bridge() const {
    return header_type == PciHeaderType::kBridge || header_type == PciHeaderType::kCardBus;
  }
  /// Base class and subclass: 0x0300 for a VGA controller.
  [[nodiscard]] uint16_t class_id() const { return static_cast<uint16_t>(class_code >> 8); }
  /// "10de:2204".
  [[nodiscard]] std::string id_string() const;
  /// The bridge this function hangs from, if any.
  [[nodiscard]] std::optional<PciAddress> parent() const {
    if (parents.empty()) return std::nullopt;
    return parents.back();
  }
  /// True if `bridge` is one of the bridges above this function.
  [[nodiscard]] bool is_below(const PciAddress& bridge) const;
};

/// Every PCI function of a host, sorted by address.
struct PciDevices {
  std::vector<PciFunction> functions;

  /// The function at `address`, or nullptr.
  [[nodiscard]] const PciFunction* find(const PciAddress& address) const;
  /// All functions in the slot of `address` (same domain:bus:device).
  [[nodiscard]] std::vector<const PciFunction*> slot(const PciAddress& address) const;
};

/// Reads every function listed in /sys/bus/pci/devices. A host without PCI
/// (or a tree without it) gives an empty list.
PciDevices scan_pci(const HostRoot& root);

/// "0x1002" style for JSON and the readable tree: four lower-case hex digits.
std::string hex4(uint16_t value);

/// The kernel's rule for PCI header types that are not endpoints; falls back to
/// the class when the config header cannot be read.
PciHeaderType header_type_from(std::optional<uint8_t> config_header_byte, uint32_t class_code);

}  // namespace vfg
