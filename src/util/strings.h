// Small string helpers shared by every layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vfg {

/// Strips ASCII whitespace from both ends.
std::string_view trim(std::string_view text);

/// Splits on `separator`; keeps empty fields.
std::vector<std::string> split(std::string_view text, char separator);

/// Splits on runs of ASCII whitespace; drops empty fields.
std::vector<std::string> split_whitespace(std::string_view text);

/// Joins with `separator` between items.
std::string join(const std::vector<std::string>& items, std::string_view separator);

/// Parses an unsigned integer in base 10, or base 16 with a 0x prefix.
std::optional<uint64_t> parse_uint(std::string_view text);

/// Parses a hexadecimal number with or without a 0x prefix ("0x10de", "10de").
std::optional<uint64_t> parse_hex(std::string_view text);

/// Parses a size such as "16G", "512M", "64MiB", "1024" (bytes) into bytes.
/// Units are binary (K = 1024). Returns nullopt on junk or overflow.
std::optional<uint64_t> parse_size(std::string_view text);

/// Formats bytes for people: "16 GiB", "512 MiB", "1.5 GiB".
std::string format_bytes(uint64_t bytes);

/// Quotes a word for a POSIX shell only when it needs it.
std::string shell_quote(std::string_view word);

/// Edit distance between two strings (for "did you mean").
size_t edit_distance(std::string_view a, std::string_view b);

/// The closest candidate to `word` if it is plausibly a typo of it.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace vfg
