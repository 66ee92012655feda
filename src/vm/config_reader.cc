#include "vm/config_reader.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

std::string with_article(ConfigValue::Kind kind) {
  std::string_view name = kind_name(kind);
  bool vowel = name[0] == 'a' || name[0] == 'i';
  return fmt::format("{} {}", vowel ? "an" : "a", name);
}

TableReader::TableReader(ConfigDiagnostics& diagnostics, const ConfigValue& table, std::string path)
    : diagnostics_(diagnostics), table_(table), path_(std::move(path)) {
  if (!path_.empty()) diagnostics_.remember(path_, table_.position);
  for (size_t i = 0; i < table_.keys.size(); ++i) {
    diagnostics_.remember(key_path(table_.keys[i]), table_.values[i].position);
  }
}

std::string TableReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

const ConfigValue* TableReader::get_any(std::string_view key) {
  known_.emplace_back(key);
  return table_.find(key);
}

const ConfigValue* TableReader::get(std::string_view key, ConfigValue::Kind kind) {
  const ConfigValue* value = get_any(key);
  if (value == nullptr) return nullptr;
  if (value->kind != kind) {
    error(key, fmt::format("expected {}, got {}", with_article(kind), with_article(value->kind)));
    return nullptr;
  }
  return value;
}

void TableReader::read_bool(std::string_view key, bool& out) {
  if (const ConfigValue* value = get(key, ConfigValue::Kind::kBool)) out = value->boolean;
}

void TableReader::read_bool(std::string_view key, std::optional<bool>& out) {
  if (const ConfigValue* value = get(key, ConfigValue::Kind::kBool)) out = value->boolean;
}

void TableReader::read_string(std::string_view key, std::string& out) {
  if (const ConfigValue* value = get(key, ConfigValue::Kind::kString)) out = value->string;
}

void TableReader::read_path(std::string_view key, std::string& out) {
  const ConfigValue* value = get(key, ConfigValue::Kind::kString);
  if (value == nullptr) return;
  if (value->string.empty() || value->string[0] != '/') {
    error(key,
          fmt::format("'{}' is not an absolute path; write it starting with '/'", value->string));
    return;
  }
  out = value->string;
}

void TableReader::read_uint(std::string_view key, uint32_t& out, uint32_t min, uint32_t max) {
  std::optional<uint32_t> value;
  read_uint(key, value, min, max);
  if (value) out = *value;
}

void TableReader::read_uint(std::string_view key, std::optional<uint32_t>& out, uint32_t min,
                            uint32_t max) {
  const ConfigValue* value = get(key, ConfigValue::Kind::kInteger);
  if (value == nullptr) return;
  if (value->integer < min || value->integer > max) {
    error(key, fmt::format("{} is out of range; use {}..{}", value->integer, min, max));
    return;
  }
  out = static_cast<uint32_t>(value->integer);
}

void TableReader::read_size(std::string_view key, uint64_t& out) {
  std::optional<uint64_t> value;
  read_size(key, value);
  if (value) out = *value;
}

void TableReader::read_size(std::string_view key, std::optional<uint64_t>& out) {
  const ConfigValue* value = get_any(key);
  if (value == nullptr) return;
  if (value->kind != ConfigValue::Kind::kString) {
    error(key, fmt::format("expected a size such as \"16G\" or \"512M\", got {}",
                           with_article(value->kind)));
    return;
  }
  auto bytes = parse_size(value->string);
  if (!bytes) {
    error(key, fmt::format("'{}' is not a size; write a number and a unit, such as \"16G\" or "
                           "\"512M\"",
                           value->string));
    return;
  }
  out = *bytes;
}

void TableReader::enum_error(std::string_view key, const ConfigValue& value,
                             const std::vector<std::string>& names) {
  std::string message = fmt::format("'{}' is not one of {}", value.string, join(names, ", "));
  if (auto close = closest_match(value.string, names)) {
    message += fmt::format("; did you mean '{}'?", *close);
  }
  error(key, message);
}

void TableReader::error(std::string_view key, const std::string& message) {
  const ConfigValue* value = table_.find(key);
  diagnostics_.error(value != nullptr ? value->position : table_.position, key_path(key), message);
}

void TableReader::warning(std::string_view key, const std::string& message) {
  const ConfigValue* value = table_.find(key);
  diagnostics_.warning(value != nullptr ? value->position : table_.position, key_path(key),
                       message);
}

void TableReader::require(std::string_view key) {
  known_.emplace_back(key);
  if (table_.find(key) == nullptr) {
    diagnostics_.error(table_.position, key_path(key), "is required but missing");
  }
}

void TableReader::finish() {
  for (size_t i = 0; i < table_.keys.size(); ++i) {
    const std::string& key = table_.keys[i];
    bool known = false;
    for (const auto& name : known_) known = known || name == key;
    if (known) continue;
    std::string message = "unknown key";
    if (auto close = closest_match(key, known_)) {
      message += fmt::format("; did you mean '{}'?", key_path(*close));
    } else if (elsewhere_ != nullptr) {
      for (const auto& [table, name] : *elsewhere_) {
        if (name != key || table == path_) continue;
        message += table.front() == '[' ? fmt::format("; '{}' belongs in a {} table", key, table)
                                        : fmt::format("; did you mean '{}.{}'?", table, key);
        break;
      }
    }
    diagnostics_.error(table_.key_positions[i], key_path(key), message);
  }
}

}  // namespace vfg
