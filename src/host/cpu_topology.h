// CPU topology as a plain value: packages, cores and their SMT siblings, L3
// (last-level cache) groups such as AMD CCXs, Intel P and E cores, NUMA nodes,
// and the CPUs the kernel keeps for us (isolcpus, nohz_full). A pinning plan
// is a pure function of this value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace vfg {

/// Intel hybrid core types; kUnknown on CPUs that are not hybrid.
enum class CoreType { kUnknown, kPerformance, kEfficiency };

/// "", "performance", "efficiency".
std::string_view to_string(CoreType type);

/// One physical core and its hardware threads.
struct CpuCore {
  int package = 0;
  /// The kernel's core_id (unique within a package only; may have gaps).
  int core_id = 0;
  /// Logical CPU numbers of its threads, sorted: {3, 19} with SMT.
  std::vector<int> threads;
  CoreType type = CoreType::kUnknown;
  /// Index into CpuTopology::l3_groups, or -1 if unknown.
  int l3_group = -1;
  /// NUMA node, or -1 if unknown.
  int numa_node = -1;
};

/// A NUMA node and its CPUs.
struct NumaNode {
  int id = 0;
  std::vector<int> cpus;
};

struct CpuTopology {
  /// "AMD Ryzen 9 5950X 16-Core Processor" from /proc/cpuinfo.
  std::string model_name;
  /// Online logical CPUs, sorted.
  std::vector<int> online;
  /// Cores sorted by their lowest thread number.
  std::vector<CpuCore> cores;
  /// Package (socket) ids present.
  std::vector<int> packages;
  /// CPUs sharing each L3 cache, sorted by first CPU; one per CCX on AMD.
  std::vector<std::vector<int>> l3_groups;
  std::vector<NumaNode> numa_nodes;
  /// True on Intel hybrid parts (cpu_core and cpu_atom PMUs exist).
  bool hybrid = false;
  /// CPUs named by isolcpus= (flags such as "domain," stripped) and nohz_full=.
  std::vector<int> isolated;
  std::vector<int> nohz_full;

  /// Threads per core (1 without SMT); the largest seen.
  [[nodiscard]] int threads_per_core() const;
  /// The core that has `cpu` as a thread, or nullptr.
  [[nodiscard]] const CpuCore* core_of(int cpu) const;
};

/// Reads /sys/devices/system/cpu, /sys/devices/system/node, the hybrid PMUs,
/// /proc/cpuinfo and /proc/cmdline.
CpuTopology scan_cpu_topology(const HostRoot& root);

/// Parses a kernel CPU list ("0-3,8,10-11"); nullopt on junk.
std::optional<std::vector<int>> parse_cpu_list(std::string_view text);

/// Formats CPUs as a kernel CPU list, ranges collapsed: {0,1,2,3,8} → "0-3,8".
std::string format_cpu_list(const std::vector<int>& cpus);

}  // namespace vfg
