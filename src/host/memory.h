// The host's RAM, from /proc/meminfo.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "host/host_root.h"

namespace vfg {

/// MemTotal in bytes; nullopt when /proc/meminfo is missing or malformed.
std::optional<uint64_t> read_memory_total(const HostRoot& root);

/// Parses the text of /proc/meminfo for MemTotal (bytes).
std::optional<uint64_t> parse_memory_total(std::string_view meminfo);

}  // namespace vfg
