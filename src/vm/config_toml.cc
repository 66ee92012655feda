// The one file that includes toml++ (it is heavy to compile): converts its
// tree into ConfigValue and its parse errors into TomlSyntaxError.
#include <algorithm>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "vm/config_value.h"

namespace vfg {

namespace {

SourcePosition position_of(const toml::source_region& region) {
  return SourcePosition{static_cast<uint32_t>(region.begin.line),
                        static_cast<uint32_t>(region.begin.column)};
}

template <typename T>
std::string print(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

ConfigValue convert(const toml::node& node) {
  ConfigValue value;
  value.position = position_of(node.source());
  switch (node.type()) {
    case toml::node_type::table: {
      value.kind = ConfigValue::Kind::kTable;
      for (const auto& [key, child] : *node.as_table()) {
        value.keys.emplace_back(key.str());
        value.values.push_back(convert(child));
        value.key_positions.push_back(position_of(key.source()));
      }
      break;
    }
    case toml::node_type::array:
      value.kind = ConfigValue::Kind::kArray;
      for (const auto& child : *node.as_array()) value.items.push_back(convert(child));
      break;
    case toml::node_type::string:
      value.kind = ConfigValue::Kind::kString;
      value.string = node.as_string()->get();
      break;
    case toml::node_type::integer:
      value.kind = ConfigValue::Kind::kInteger;
      value.integer = node.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      value.kind = ConfigValue::Kind::kFloat;
      value.floating = node.as_floating_point()->get();
      break;
    case toml::node_type::boolean:
      value.kind = ConfigValue::Kind::kBool;
      value.boolean = node.as_boolean()->get();
      break;
    case toml::node_type::date:
      value.kind = ConfigValue::Kind::kDateTime;
      value.string = print(node.as_date()->get());
      break;
    case toml::node_type::time:
      value.kind = ConfigValue::Kind::kDateTime;
      value.string = print(node.as_time()->get());
      break;
    case toml::node_type::date_time:
      value.kind = ConfigValue::Kind::kDateTime;
      value.string = print(node.as_date_time()->get());
      break;
    case toml::node_type::none:
      break;
  }
  return value;
}

// How deep keys and values may nest: a VM definition needs 3 levels
// ([[disk]] → table → value); toml++ and convert() recurse once per level,
// so a 20,000-part dotted key would overflow the stack.
constexpr int kMaxNesting = 32;

// Finds the first place where a dotted key, [table] header, array or inline
// table goes deeper than kMaxNesting, by a lexical scan that skips strings
// and comments. Counts generously (a float's dot counts too): the limit is
// far above any real definition.
std::optional<SourcePosition> too_deep(std::string_view text) {
  uint32_t line = 1;
  uint32_t column = 0;
  int brackets = 0;
  int dots = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      dots = 0;
      continue;
    }
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      bool multi_line = text.substr(i, 3) == std::string(3, c);
      std::string_view close = multi_line ? text.substr(i, 3) : text.substr(i, 1);
      size_t j = i + close.size();
      while (j < text.size() && text.substr(j, close.size()) != close) {
        if (c == '"' && text[j] == '\\') ++j;  // an escaped character, maybe a quote
        if (j < text.size() && text[j] == '\n') {
          if (!multi_line) break;
          ++line;
        }
        ++j;
      }
      // An unclosed single-line string ends at the newline, which is counted next.
      bool unclosed = !multi_line && j < text.size() && text[j] == '\n';
      i = unclosed ? j - 1 : std::min(text.size(), j + close.size()) - 1;
      continue;
    }
    if (c == '[' || c == '{') ++brackets;
    if ((c == ']' || c == '}') && brackets > 0) --brackets;
    if (c == '.') ++dots;
    if (c == '=' || c == ',' || c == '{') dots = 0;
    if (brackets + dots > kMaxNesting) return SourcePosition{line, column};
  }
  return std::nullopt;
}

}  // namespace

tl::expected<ConfigValue, TomlSyntaxError> parse_toml(std::string_view text) {
  if (auto position = too_deep(text))
    return tl::unexpected(TomlSyntaxError{
        *position, fmt::format("keys, tables or arrays nest more than {} levels deep; a VM "
                               "definition needs at most 3",
                               kMaxNesting)});
  // toml++ throws on syntax errors; this is the library boundary.
  try {
    toml::table table = toml::parse(text);
    ConfigValue root = convert(table);
    root.position = SourcePosition{1, 1};
    return root;
  } catch (const toml::parse_error& error) {
    return tl::unexpected(
        TomlSyntaxError{position_of(error.source()), std::string(error.description())});
  }
}

const ConfigValue* ConfigValue::find(std::string_view key) const {
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &values[i];
  }
  return nullptr;
}

std::string_view kind_name(ConfigValue::Kind kind) {
  switch (kind) {
    case ConfigValue::Kind::kTable:
      return "table";
    case ConfigValue::Kind::kArray:
      return "array";
    case ConfigValue::Kind::kString:
      return "string";
    case ConfigValue::Kind::kInteger:
      return "integer";
    case ConfigValue::Kind::kFloat:
      return "float";
    case ConfigValue::Kind::kBool:
      return "boolean";
    case ConfigValue::Kind::kDateTime:
      return "date-time";
  }
  return "value";
}

}  // namespace vfg
