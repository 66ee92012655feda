// Everything discovery knows about a host's hardware, read in one go. Each
// family also has its own scan_* function for callers that need just one.
#pragma once

#include <vector>

#include "host/block.h"
#include "host/card_handover.h"
#include "host/cpu_topology.h"
#include "host/gpu.h"
#include "host/host_root.h"
#include "host/input.h"
#include "host/iommu.h"
#include "host/pci.h"
#include "host/usb.h"

namespace vfg {

/// Which families to read (reading only what a command shows keeps it fast).
struct HardwareParts {
  bool pci = true;  ///< PCI functions, IOMMU groups and GPU cards
  bool usb = true;
  bool input = true;
  bool disks = true;
  bool cpu = true;
  /// Fill in vendor/device names from pci.ids and usb.ids.
  bool names = true;
};

/// A host's hardware.
struct Hardware {
  PciDevices pci;
  IommuGroups iommu;
  std::vector<GpuCard> gpus;
  /// The cards `vfg setup` lets the handover service move (binding = "start").
  std::vector<AllowedCard> handover;
  UsbDevices usb;
  std::vector<InputDevice> input;
  std::vector<Disk> disks;
  CpuTopology cpu;
};

/// Reads the families named in `parts` from `root`. Never fails: what cannot
/// be read is absent or unknown.
Hardware scan_hardware(const HostRoot& root, const HardwareParts& parts = {});

/// Fills PciFunction names from the ID database, looking up only these IDs.
void name_pci_devices(PciDevices& devices);
/// Fills UsbDevice names from the ID database.
void name_usb_devices(UsbDevices& devices);

}  // namespace vfg
