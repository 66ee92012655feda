#include "run/tuning/hugepages.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/system_state.h"
#include "util/strings.h"

namespace vfg {

uint64_t hugepages_missing(const HugepageCounts& pool, uint64_t needed) {
  uint64_t available = pool.available();
  return needed > available ? needed - available : 0;
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HugepageReservation, page_size, added, total_before)

nlohmann::json HugepageReservation::to_json() const { return *this; }

std::optional<HugepageReservation> HugepageReservation::from_json(const nlohmann::json& doc) {
  // Without the size and the count there is nothing to give back: not a reservation.
  if (!doc.is_object() || !doc.contains("page_size") || !doc.contains("added")) return std::nullopt;
  if (!doc["page_size"].is_number_unsigned() || !doc["added"].is_number_unsigned())
    return std::nullopt;
  try {
    return doc.get<HugepageReservation>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Result<HugepageReservation> reserve_hugepages(const HostRoot& root, const MemoryConfig& memory) {
  HugepageReservation reservation;
  reservation.page_size = hugepage_bytes(memory.hugepages);
  if (reservation.page_size == 0) return reservation;
  std::string size = format_bytes(reservation.page_size);
  auto pool = read_hugepage_pool(root, reservation.page_size);
  if (!pool) return fail("this kernel has no pool of {} hugepages", size);
  reservation.total_before = pool->total;
  uint64_t missing = hugepages_missing(*pool, hugepages_needed(memory));
  if (missing == 0) return reservation;
  uint64_t target = pool->total + missing;
  if (auto written = write_hugepage_total(root, reservation.page_size, target); !written) {
    return fail(written.error(),
                fmt::format("reserving {} more {} hugepages needs root", missing, size));
  }
  auto after = read_hugepage_pool(root, reservation.page_size);
  uint64_t got = after && after->total > pool->total ? after->total - pool->total : 0;
  if (got < missing) {
    // Leave the pool as it was rather than half-grown.
    (void)write_hugepage_total(root, reservation.page_size, pool->total);
    std::string boot = reservation.page_size == kGiB ? "1G" : "2M";
    return fail(
        "the kernel found only {} of {} free {} pages (memory is short or fragmented); free "
        "memory and retry (echo 1 | sudo tee /proc/sys/vm/compact_memory), or reserve them at "
        "boot with hugepagesz={} hugepages={}",
        got, missing, size, boot, target);
  }
  reservation.added = missing;
  return reservation;
}

Status release_hugepages(const HostRoot& root, const HugepageReservation& reservation) {
  if (reservation.added == 0) return ok();
  auto pool = read_hugepage_pool(root, reservation.page_size);
  if (!pool) return fail("the {} hugepage pool is gone", format_bytes(reservation.page_size));
  uint64_t total = pool->total > reservation.added ? pool->total - reservation.added : 0;
  return write_hugepage_total(root, reservation.page_size, total);
}

}  // namespace vfg
