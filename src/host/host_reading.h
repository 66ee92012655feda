// One command's reading of the host. `vfg start` plans the host setup (so
// that the fixes its checks print name the setup step), gathers the readiness
// facts and plans the launch; `vfg check` does the first two. Each of them
// needs the system state and the PCI devices: read here once, on first use,
// and shared, instead of read again by every consumer (on a virtualised host
// every PCI config-space read traps to the hypervisor).
#pragma once

#include <optional>

#include "host/host_root.h"
#include "host/iommu.h"
#include "host/pci.h"
#include "host/system_state.h"
#include "util/result.h"

namespace vfg {

/// A lazily filled, read-once view of the host through `root`. Use one per
/// command: it does not notice what changes on the host after a part is read.
class HostReading {
 public:
  explicit HostReading(HostRoot root) : root_(std::move(root)) {}

  /// Where everything else of the host is read.
  [[nodiscard]] const HostRoot& root() const { return root_; }
  /// read_system_state(root()), read on the first call.
  [[nodiscard]] const Result<SystemState>& system_state() const;
  /// scan_pci(root()), read on the first call.
  [[nodiscard]] const PciDevices& pci() const;
  /// scan_iommu_groups(root()), read on the first call.
  [[nodiscard]] const IommuGroups& iommu_groups() const;

 private:
  HostRoot root_;
  // Filled on first use by const accessors: a cache, not state of the host.
  mutable std::optional<Result<SystemState>> system_state_;
  mutable std::optional<PciDevices> pci_;
  mutable std::optional<IommuGroups> iommu_groups_;
};

}  // namespace vfg
