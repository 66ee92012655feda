// A parsed TOML document as a small tree of our own, with the source position
// of every value. Only config_toml.cc sees toml++; the loader works on this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace vfg {

/// A position in a source file (1-based; 0 when unknown).
struct SourcePosition {
  uint32_t line = 0;
  uint32_t column = 0;
};

/// One TOML value. Tables keep their keys in source order.
struct ConfigValue {
  enum class Kind { kTable, kArray, kString, kInteger, kFloat, kBool, kDateTime };
  Kind kind = Kind::kTable;
  SourcePosition position;
  std::string string;  ///< kString (kDateTime: its text)
  int64_t integer = 0;
  double floating = 0;
  bool boolean = false;
  std::vector<ConfigValue> items;  ///< kArray
  /// kTable: keys in source order, their values and where each key is
  /// written, as parallel vectors (a vector of an incomplete type is fine, a
  /// pair holding one is not).
  std::vector<std::string> keys;
  std::vector<ConfigValue> values;
  std::vector<SourcePosition> key_positions;

  /// The value under `key` in a table, or nullptr.
  [[nodiscard]] const ConfigValue* find(std::string_view key) const;
};

/// The TOML type name a user knows ("string", "integer", "table", ...).
std::string_view kind_name(ConfigValue::Kind kind);

/// A TOML syntax error with its position.
struct TomlSyntaxError {
  SourcePosition position;
  std::string message;
};

/// Parses a TOML document. On a syntax error returns it with its position.
tl::expected<ConfigValue, TomlSyntaxError> parse_toml(std::string_view text);

}  // namespace vfg
