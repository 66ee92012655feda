// A small tmpfs, filled to its last block or made read-only, for tests of
// what a full or read-only disk does to a write. Mounting needs root, which CI has; elsewhere
// `mounted()` is false and `why_not()` says why.
#pragma once

#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace vfg::testing {

class FullTmpfs {
 public:
  FullTmpfs();
  ~FullTmpfs();
  FullTmpfs(const FullTmpfs&) = delete;
  FullTmpfs& operator=(const FullTmpfs&) = delete;

  [[nodiscard]] bool mounted() const { return why_not_.empty(); }
  [[nodiscard]] const std::string& why_not() const { return why_not_; }
  /// The mount point.
  [[nodiscard]] const std::filesystem::path& path() const { return mount_point_; }

  /// Fills the file system with one filler file until a write fails with
  /// ENOSPC. Files written before stay as they are.
  void fill() const;
  /// Remounts it read-only, as a locked-down or failing disk would be.
  void make_read_only() const;
  /// Removes the filler: the space is back.
  void free() const;
  /// The name of the filler file in path().
  static constexpr const char* kFiller = ".filler";

 private:
  TempDir base_;
  std::filesystem::path mount_point_;
  std::string why_not_;
};

}  // namespace vfg::testing
