#include "vm/config_diagnostics.h"

#include <algorithm>

#include <fmt/format.h>

namespace vfg {

bool ConfigDiagnostics::has_errors() const { return error_count() > 0; }

size_t ConfigDiagnostics::error_count() const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const auto& item) {
    return item.severity == Severity::kError;
  }));
}

void ConfigDiagnostics::error(SourcePosition position, std::string key, std::string message) {
  items_.push_back({Severity::kError, position, std::move(key), std::move(message)});
}

void ConfigDiagnostics::warning(SourcePosition position, std::string key, std::string message) {
  items_.push_back({Severity::kWarning, position, std::move(key), std::move(message)});
}

void ConfigDiagnostics::error(const std::string& key, std::string message) {
  error(position_of(key), key, std::move(message));
}

void ConfigDiagnostics::warning(const std::string& key, std::string message) {
  warning(position_of(key), key, std::move(message));
}

SourcePosition ConfigDiagnostics::position_of(const std::string& key) const {
  std::string path = key;
  while (!path.empty()) {
    auto found = positions_.find(path);
    if (found != positions_.end()) return found->second;
    size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  return SourcePosition{1, 1};
}

std::string ConfigDiagnostics::render() const {
  std::vector<ConfigDiagnostic> sorted = items_;
  // Source order reads best; stable so problems on one line keep their order.
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    if (a.position.line != b.position.line) return a.position.line < b.position.line;
    return a.position.column < b.position.column;
  });
  std::string out;
  for (const auto& item : sorted) {
    std::string_view severity = item.severity == Severity::kError     ? "error"
                                : item.severity == Severity::kWarning ? "warning"
                                                                      : "note";
    std::string where = item.key.empty() ? "" : fmt::format("key '{}': ", item.key);
    out += fmt::format("{}:{}:{}: {}: {}{}\n", file_, item.position.line, item.position.column,
                       severity, where, item.message);
  }
  return out;
}

}  // namespace vfg
