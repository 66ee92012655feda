// The page size behind a `memory.hugepages` setting and the pages that hold
// the RAM, shared by the argv builder, the host needs, the hugepage
// reservation and the readiness check.
#pragma once

#include <cstdint>

#include "vm/vm_config.h"

namespace vfg {

/// Bytes per huge page for the setting; 0 for none.
[[nodiscard]] constexpr uint64_t hugepage_bytes(HugePages pages) {
  switch (pages) {
    case HugePages::k2M:
      return 2 * kMiB;
    case HugePages::k1G:
      return kGiB;
    case HugePages::kNone:
      break;
  }
  return 0;
}

/// Pages the guest RAM needs (rounded up); 0 without hugepages.
[[nodiscard]] constexpr uint64_t hugepages_needed(const MemoryConfig& memory) {
  uint64_t size = hugepage_bytes(memory.hugepages);
  return size == 0 ? 0 : (memory.size + size - 1) / size;
}

}  // namespace vfg
