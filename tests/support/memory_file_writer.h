// An in-memory FileWriter: a map of host paths to files plus a set of
// directories, so applier tests run without a disk and compare whole trees.
#pragma once

#include <map>
#include <set>
#include <string>

#include "setup/file_writer.h"

namespace vfg::testing {

class MemoryFileWriter final : public FileWriter {
 public:
  /// Starts with "/" and the given directories.
  explicit MemoryFileWriter(std::set<std::string> dirs = {});

  Result<std::optional<FileState>> read(const std::string& path) override;
  Status write(const std::string& path, std::string_view contents, mode_t mode,
               std::optional<std::pair<uid_t, gid_t>> owner) override;
  Status remove(const std::string& path) override;
  Status make_directory(const std::string& path) override;
  Status remove_directory_if_empty(const std::string& path) override;
  bool is_directory(const std::string& path) override;
  std::vector<std::string> list(const std::string& path) override;

  /// Adds a file (and its parent directories).
  void put(const std::string& path, std::string contents, mode_t mode = 0644);

  /// The whole tree, for equality checks.
  std::map<std::string, FileState> files;
  std::set<std::string> dirs;
};

}  // namespace vfg::testing
