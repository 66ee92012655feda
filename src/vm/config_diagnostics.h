// Problems found in a VM definition, each with its position and key, reported
// all at once in the compiler-like form
//   win11.toml:7:8: error: key 'cpu.cores': expected an integer, got a string
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/diagnostics.h"
#include "vm/config_value.h"

namespace vfg {

/// One problem in a definition.
struct ConfigDiagnostic {
  Severity severity = Severity::kError;
  SourcePosition position;
  std::string key;      ///< dotted path, "disk[0].path"; empty for the whole file
  std::string message;  ///< what is wrong, and the fix when there is a short one
};

/// Every problem of one file, plus where each key was written so checks that
/// run after parsing can point at the right line.
class ConfigDiagnostics {
 public:
  explicit ConfigDiagnostics(std::string file) : file_(std::move(file)) {}

  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::vector<ConfigDiagnostic>& items() const { return items_; }
  [[nodiscard]] bool has_errors() const;
  [[nodiscard]] size_t error_count() const;

  /// Records an error at an explicit position.
  void error(SourcePosition position, std::string key, std::string message);
  void warning(SourcePosition position, std::string key, std::string message);
  /// Records an error at the position remembered for `key` (or its nearest parent).
  void error(const std::string& key, std::string message);
  void warning(const std::string& key, std::string message);

  /// Remembers where `key` is written.
  void remember(const std::string& key, SourcePosition position) { positions_[key] = position; }
  /// Where `key` (or the nearest parent written in the file) is; 1:1 when unknown.
  [[nodiscard]] SourcePosition position_of(const std::string& key) const;

  /// One line per problem: "file:line:column: error: key 'x': message".
  [[nodiscard]] std::string render() const;

 private:
  std::string file_;
  std::vector<ConfigDiagnostic> items_;
  std::map<std::string, SourcePosition> positions_;
};

}  // namespace vfg
