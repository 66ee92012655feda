// Reserving hugepages for a VM (`vfg start --allocate-hugepages`, root): grow
// the pool by exactly what the VM lacks, and at stop shrink it by exactly that
// amount — pages someone else reserved, before or meanwhile, stay.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "host/hugepage_pool.h"
#include "util/result.h"
#include "vm/hugepage_size.h"
#include "vm/vm_config.h"

namespace vfg {

/// Pages to add to `pool` so that `needed` pages are available.
uint64_t hugepages_missing(const HugepageCounts& pool, uint64_t needed);

/// What a start added to a pool.
struct HugepageReservation {
  uint64_t page_size = 0;
  /// Pages added to nr_hugepages (0: the pool had enough).
  uint64_t added = 0;
  uint64_t total_before = 0;

  [[nodiscard]] nlohmann::json to_json() const;
  /// Reads to_json()'s output back; nullopt when it is not one.
  static std::optional<HugepageReservation> from_json(const nlohmann::json& doc);
};

/// Grows the pool by what `memory` lacks and checks the kernel really
/// allocated it; on a shortfall the pool is put back and the error says why.
Result<HugepageReservation> reserve_hugepages(const HostRoot& root, const MemoryConfig& memory);

/// Shrinks the pool by what `reservation` added, keeping what others added.
Status release_hugepages(const HostRoot& root, const HugepageReservation& reservation);

}  // namespace vfg
