// The page size behind a `memory.hugepages` setting, shared by the argv
// builder, the hugepage reservation and the readiness check.
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

}  // namespace vfg
