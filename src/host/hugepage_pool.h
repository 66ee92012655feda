// One hugepage pool's counters, read and resized through HostRoot: the
// numbers needed to reserve exactly what a VM lacks and to give back exactly
// that later, whatever else happened to the pool meanwhile.
#pragma once

#include <cstdint>
#include <optional>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

/// /sys/kernel/mm/hugepages/hugepages-<N>kB.
struct HugepageCounts {
  uint64_t page_size = 0;  ///< bytes
  uint64_t total = 0;      ///< nr_hugepages: the persistent pool
  uint64_t free = 0;       ///< free_hugepages: not faulted in yet (includes reserved)
  uint64_t reserved = 0;   ///< resv_hugepages: promised to a mapping, not faulted in
  uint64_t surplus = 0;    ///< surplus_hugepages: overcommitted beyond the pool

  /// Pages a new mapping can still get.
  [[nodiscard]] uint64_t available() const { return free > reserved ? free - reserved : 0; }
};

/// The counters of the pool of `page_size` bytes; nullopt when the kernel has no such pool.
std::optional<HugepageCounts> read_hugepage_pool(const HostRoot& root, uint64_t page_size);

/// Writes nr_hugepages of that pool (root only). The kernel may allocate
/// fewer pages than asked when memory is fragmented: read the pool back.
Status write_hugepage_total(const HostRoot& root, uint64_t page_size, uint64_t total);

}  // namespace vfg
