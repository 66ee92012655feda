// The facts the readiness checks judge, gathered once. Checks themselves are
// pure functions of these values, so tests build the values (or a fixture
// tree) and compare findings without touching the machine.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "host/host_reading.h"
#include "host/system_state.h"
#include "util/result.h"
#include "vm/audio_servers.h"  // AudioFacts: the same socket test as the launch plan
#include "vm/host_needs.h"

namespace vfg::check {

/// A file `vfg setup` writes, with the contents it wants, and the need it meets.
struct SetupFile {
  std::string path;
  std::string contents;
  bool in_place = false;  ///< the host already has exactly these contents
  NeedKind need = NeedKind::kOther;
};

/// What `vfg setup` would put in place, taken from its plan, so a finding can
/// say "run `vfg setup`" only when setup really fixes it.
struct SetupExpectations {
  /// False when no plan could be made; checks then name the manual fix.
  bool known = false;
  /// Kernel parameters the plan adds ("intel_iommu=on", "iommu=pt").
  std::vector<std::string> kernel_params;
  /// PCI addresses the plan binds to vfio-pci at boot.
  std::vector<std::string> vfio_devices;
  /// Groups the plan adds the user to ("kvm", "input").
  std::vector<std::string> user_groups;
  /// Whether the plan raises the memlock limit, and to what (bytes).
  std::optional<uint64_t> memlock;
  /// Every file the plan writes (see PlanTargets::files).
  std::vector<SetupFile> files;
};

/// Everything about the host the checks look at.
struct HostFacts {
  SystemState system;
  AudioFacts audio;
};

/// Reads the host's state and the audio sockets of $XDG_RUNTIME_DIR.
Result<HostFacts> gather_host_facts(const HostReading& host);

}  // namespace vfg::check
