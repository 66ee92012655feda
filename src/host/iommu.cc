#include "host/iommu.h"

#include <algorithm>

#include "util/strings.h"

namespace vfg {

const IommuGroup* IommuGroups::find(int number) const {
  auto it = std::lower_bound(groups.begin(), groups.end(), number,
                             [](const IommuGroup& group, int key) { return group.number < key; });
  if (it == groups.end() || it->number != number) return nullptr;
  return &*it;
}

IommuGroups scan_iommu_groups(const HostRoot& root) {
  IommuGroups result;
  constexpr std::string_view kGroupsDir = "/sys/kernel/iommu_groups";
  for (const auto& entry : root.list_dir(kGroupsDir)) {
    auto number = parse_uint(entry);
    if (!number || entry.find_first_not_of("0123456789") != std::string::npos) continue;
    IommuGroup group;
    group.number = static_cast<int>(*number);
    for (const auto& member : root.list_dir(join_host_path(kGroupsDir, entry + "/devices"))) {
      if (auto address = PciAddress::parse(member)) {
        group.devices.push_back(*address);
      } else {
        group.other_devices.push_back(member);
      }
    }
    std::sort(group.devices.begin(), group.devices.end());
    result.groups.push_back(std::move(group));
  }
  std::sort(result.groups.begin(), result.groups.end(),
            [](const IommuGroup& a, const IommuGroup& b) { return a.number < b.number; });
  result.enabled = !result.groups.empty();
  if (auto cmdline = root.read_attr("/proc/cmdline")) {
    for (const auto& word : split_whitespace(*cmdline)) {
      constexpr std::string_view kAcs = "pcie_acs_override=";
      if (word.rfind(kAcs, 0) == 0) result.acs_override = word.substr(kAcs.size());
    }
  }
  return result;
}

bool driver_allows_vfio_group(const std::optional<std::string>& driver) {
  if (!driver) return true;
  // Drivers that manage DMA themselves (driver_managed_dma): VFIO's own
  // (vfio-pci and its vendor variants), pci-stub, and the port driver.
  return driver->rfind("vfio", 0) == 0 || *driver == "pci-stub" || *driver == "pcieport";
}

std::vector<PciAddress> group_endpoints(const IommuGroup& group, const PciDevices& devices) {
  std::vector<PciAddress> endpoints;
  for (const auto& address : group.devices) {
    const PciFunction* function = devices.find(address);
    if (function == nullptr || !function->is_bridge()) endpoints.push_back(address);
  }
  return endpoints;
}

std::vector<PciAddress> group_blockers(const IommuGroup& group, const PciDevices& devices) {
  std::vector<PciAddress> blockers;
  for (const auto& address : group.devices) {
    const PciFunction* function = devices.find(address);
    if (function == nullptr || function->is_bridge()) continue;
    if (!driver_allows_vfio_group(function->driver)) blockers.push_back(address);
  }
  return blockers;
}

}  // namespace vfg
