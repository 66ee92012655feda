// IOMMU groups: which PCI functions the IOMMU can isolate from each other, and
// whether a group can be handed to VFIO under the kernel's rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"
#include "host/pci.h"

namespace vfg {

/// One group from /sys/kernel/iommu_groups/N.
struct IommuGroup {
  int number = 0;
  /// PCI functions in the group, sorted.
  std::vector<PciAddress> devices;
  /// Members that are not PCI functions (platform devices), by name.
  std::vector<std::string> other_devices;
};

/// The groups of a host. No groups at all means the IOMMU is off (or not
/// enabled in firmware / on the kernel command line): a finding, not an error.
struct IommuGroups {
  bool enabled = false;
  /// Sorted by number; numbers need not be contiguous.
  std::vector<IommuGroup> groups;
  /// The value of `pcie_acs_override=` on the kernel command line: groups were
  /// split by a patched kernel that claims isolation the hardware may not give.
  std::optional<std::string> acs_override;

  /// The group numbered `number`, or nullptr.
  [[nodiscard]] const IommuGroup* find(int number) const;
};

/// Reads /sys/kernel/iommu_groups, iterating the directory entries that exist.
IommuGroups scan_iommu_groups(const HostRoot& root);

/// True if a function bound to `driver` (nullopt = none) may stay in a group
/// that VFIO uses: no driver, a vfio driver, `pci-stub`, or `pcieport`.
bool driver_allows_vfio_group(const std::optional<std::string>& driver);

/// Endpoints of `group` that are bound to a host driver right now, so the
/// kernel would refuse the group ("group N is not viable"). Bridges never count.
std::vector<PciAddress> group_blockers(const IommuGroup& group, const PciDevices& devices);

/// The endpoints (non-bridge functions) of a group.
std::vector<PciAddress> group_endpoints(const IommuGroup& group, const PciDevices& devices);

}  // namespace vfg
