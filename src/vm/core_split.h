// The one rule for splitting a host's cores between VMs and the host, used by
// `vfg new` (how many vCPUs a new VM gets) and by the pin plan at start (where
// they run), so the VM `vfg new` sizes is the VM the pin plan places.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/cpu_topology.h"

namespace vfg {

struct CoreSplit {
  /// Cores for vCPUs; pointers into the topology's cores, in its order.
  std::vector<const CpuCore*> guest;
  /// The host's cores (the housekeeping set), in the topology's order.
  std::vector<const CpuCore*> host;
  /// "isolcpus=" or "nohz_full=" when that option decided the split; empty
  /// when the host kept its first `host_cores` cores instead.
  std::string_view set_aside_by;
  /// The CPUs that option names.
  std::vector<int> set_aside;
  /// What the user should know: a core only partly set aside, a set ignored.
  std::vector<std::string> notes;
};

/// Splits the cores of `topology`. The kernel's own word decides first:
/// isolcpus= (CPUs the scheduler leaves alone) or, without it, nohz_full=
/// (CPUs meant for one task each; the rest are the housekeeping CPUs). Cores
/// wholly inside that set go to guests and every other core stays with the
/// host: a core split between host and guest runs both badly. A set that
/// holds no whole core, or every core (the kernel then keeps the boot CPU for
/// itself anyway), is ignored with a note, and the host keeps its first
/// `host_cores` cores (core 0 first) while guests get the rest.
CoreSplit split_cores(const CpuTopology& topology, uint32_t host_cores);

/// The logical CPUs of `cores`, sorted.
std::vector<int> threads_of(const std::vector<const CpuCore*>& cores);

}  // namespace vfg
