// Typed access to one TOML table of a VM definition. Every getter records a
// diagnostic instead of failing, so one pass finds every problem; finish()
// reports the keys no getter asked for, with a "did you mean".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vm/config_diagnostics.h"
#include "vm/config_value.h"

namespace vfg {

class TableReader {
 public:
  /// `path` is the table's dotted name ("memory", "disk[0]"; empty for the top level).
  TableReader(ConfigDiagnostics& diagnostics, const ConfigValue& table, std::string path);

  /// The value under `key` if present and of `kind`; a type error otherwise.
  const ConfigValue* get(std::string_view key, ConfigValue::Kind kind);
  /// The value under `key` whatever its type (the caller checks), or nullptr.
  const ConfigValue* get_any(std::string_view key);

  void read_bool(std::string_view key, bool& out);
  void read_bool(std::string_view key, std::optional<bool>& out);
  void read_string(std::string_view key, std::string& out);
  /// An absolute path (a relative one would depend on where vfg runs).
  void read_path(std::string_view key, std::string& out);
  void read_uint(std::string_view key, uint32_t& out, uint32_t min, uint32_t max);
  void read_uint(std::string_view key, std::optional<uint32_t>& out, uint32_t min, uint32_t max);
  /// A size written as a string with a unit ("16G", "512M").
  void read_size(std::string_view key, uint64_t& out);
  void read_size(std::string_view key, std::optional<uint64_t>& out);

  /// One of the listed names.
  template <typename E>
  void read_enum(std::string_view key, E& out,
                 std::initializer_list<std::pair<std::string_view, E>> choices) {
    const ConfigValue* value = get(key, ConfigValue::Kind::kString);
    if (value == nullptr) return;
    std::vector<std::string> names;
    for (const auto& [name, choice] : choices) {
      if (value->string == name) {
        out = choice;
        return;
      }
      names.emplace_back(name);
    }
    enum_error(key, *value, names);
  }

  /// Reports a value that is not one of `names`.
  void enum_error(std::string_view key, const ConfigValue& value,
                  const std::vector<std::string>& names);
  /// Reports a problem with `key` at its value.
  void error(std::string_view key, const std::string& message);
  void warning(std::string_view key, const std::string& message);
  /// Reports a required key that is missing.
  void require(std::string_view key);

  /// "memory.size" for key "size".
  [[nodiscard]] std::string key_path(std::string_view key) const;
  [[nodiscard]] const std::string& path() const { return path_; }

  /// Every key the getters asked for so far.
  [[nodiscard]] const std::vector<std::string>& known_keys() const { return known_; }

  /// Where keys of other tables live: (table, key) pairs, "[[disk]]" style
  /// names for arrays of tables. finish() uses them to point a misplaced key
  /// at its table.
  void suggest_from(const std::vector<std::pair<std::string, std::string>>* keys) {
    elsewhere_ = keys;
  }

  /// Reports every key in the table that no getter asked for.
  void finish();

 private:
  ConfigDiagnostics& diagnostics_;
  const ConfigValue& table_;
  std::string path_;
  std::vector<std::string> known_;
  const std::vector<std::pair<std::string, std::string>>* elsewhere_ = nullptr;
};

/// "an integer", "a string", ... for messages.
std::string with_article(ConfigValue::Kind kind);

}  // namespace vfg
