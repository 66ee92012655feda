#include "host/host_reading.h"

namespace vfg {

const Result<SystemState>& HostReading::system_state() const {
  if (!system_state_) system_state_ = read_system_state(root_);
  return *system_state_;
}

const PciDevices& HostReading::pci() const {
  if (!pci_) pci_ = scan_pci(root_);
  return *pci_;
}

const IommuGroups& HostReading::iommu_groups() const {
  if (!iommu_groups_) iommu_groups_ = scan_iommu_groups(root_);
  return *iommu_groups_;
}

}  // namespace vfg
