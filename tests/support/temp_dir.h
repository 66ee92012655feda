// Test helpers for files: a temporary directory removed even when an
// assertion fails, and a builder for fixture trees laid out like "/".
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace vfg::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  /// `path() / relative`.
  [[nodiscard]] std::filesystem::path operator/(std::string_view relative) const;

  /// Writes a file (creating parent directories) and returns its full path.
  std::filesystem::path write(std::string_view relative, std::string_view contents) const;
  /// Creates a symlink `relative` → `target` (target stored as given).
  void symlink(std::string_view relative, std::string_view target) const;
  /// Creates a directory and its parents.
  void mkdir(std::string_view relative) const;
  /// Reads a file below the directory.
  [[nodiscard]] std::string read(std::string_view relative) const;

 private:
  std::filesystem::path path_;
};

}  // namespace vfg::testing
