#include "host/memory.h"

#include "util/strings.h"

namespace vfg {

std::optional<uint64_t> parse_memory_total(std::string_view meminfo) {
  for (const auto& line : split(meminfo, '\n')) {
    std::string_view text = line;
    if (text.rfind("MemTotal:", 0) != 0) continue;
    text.remove_prefix(9);
    text = trim(text);
    // The kernel always writes "NNN kB" (KiB).
    if (text.size() < 3 || text.substr(text.size() - 2) != "kB") return std::nullopt;
    auto kib = parse_uint(trim(text.substr(0, text.size() - 2)));
    if (!kib) return std::nullopt;
    return *kib * 1024;
  }
  return std::nullopt;
}

std::optional<uint64_t> read_memory_total(const HostRoot& root) {
  auto text = root.read_file("/proc/meminfo");
  if (!text) return std::nullopt;
  return parse_memory_total(*text);
}

}  // namespace vfg
