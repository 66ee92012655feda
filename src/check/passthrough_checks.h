// Readiness checks for the PCI devices a VM passes through: each function
// bound to vfio-pci, its IOMMU group viable, the /dev/vfio nodes usable, the
// boot GPU and boot framebuffers, and AMD GPUs with the reset bug.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "check/facts.h"
#include "check/finding.h"
#include "host/card_handover.h"
#include "host/gpu.h"
#include "host/host_reading.h"
#include "host/iommu.h"
#include "host/pci.h"
#include "vm/vm_config.h"

namespace vfg::check {

/// The host's PCI side as discovery reads it, plus the VFIO nodes.
struct PciFacts {
  PciDevices pci;
  IommuGroups groups;
  std::vector<GpuCard> cards;
  /// /dev/vfio/N per IOMMU group number of the passed functions.
  std::map<int, NodeInfo> vfio_nodes;
  /// BAR ranges of each card's display function, keyed by its address.
  std::map<std::string, std::vector<AddressRange>> gpu_bars;
  /// /dev/vfio/vfio, the container every group is opened through.
  NodeInfo vfio_container;
  /// The cards the handover service may move (binding = "start"); the
  /// error when its allowlist is missing or unreadable.
  Result<std::vector<AllowedCard>> handover_allowlist = std::vector<AllowedCard>{};
};

/// Scans PCI functions, IOMMU groups and GPU cards, and stats the VFIO nodes.
PciFacts gather_pci_facts(const HostReading& host);

/// Every function a VM passes, function 0 of each card first: the card's
/// functions with `all_functions`, else the address and the listed functions.
/// Addresses that do not parse are kept as given so a finding can name them.
/// With `binding`, only the functions of cards bound that way.
std::vector<std::string> passed_functions(const VmConfig& config, const PciFacts& pci,
                                          std::optional<GpuBinding> binding = std::nullopt);

/// "vm.passthrough.iommu", "vm.device.ADDR", "vm.group.N", "vm.vfio.N",
/// "vm.gpu.boot", "vm.framebuffer", "vm.gpu.reset.ADDR".
std::vector<Finding> check_vm_passthrough(const VmConfig& config, const SystemState& state,
                                          const PciFacts& pci, const SetupExpectations& setup);

/// "gpu.reset.ADDR" for every AMD card on the host with the reset bug (host report).
std::vector<Finding> check_host_gpu_resets(const SystemState& state, const PciFacts& pci);

/// One reset-bug finding for the card whose display function is `gpu`, or none.
std::vector<Finding> check_gpu_reset(const std::string& id_prefix, const PciFunction& gpu,
                                     const SystemState& state);

}  // namespace vfg::check
