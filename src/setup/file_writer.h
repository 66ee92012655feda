// The one seam through which setup changes host files. The real writer maps
// host paths through a HostRoot and replaces files atomically; the dry-run
// writer only records; tests use an in-memory fake and inject failures.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

/// A file's contents and the metadata setup restores byte-for-byte on undo.
struct FileState {
  std::string contents;
  mode_t mode = 0644;  ///< permission bits only
  uid_t uid = 0;
  gid_t gid = 0;

  bool operator==(const FileState&) const = default;
};

class FileWriter {
 public:
  virtual ~FileWriter() = default;
  /// The file at a host path, or nullopt when there is none.
  virtual Result<std::optional<FileState>> read(const std::string& path) = 0;
  /// Replaces or creates a file atomically: readers see old or new contents,
  /// never a mix. The parent directory must exist. Owner is set when given.
  virtual Status write(const std::string& path, std::string_view contents, mode_t mode,
                       std::optional<std::pair<uid_t, gid_t>> owner) = 0;
  /// Removes a file; a missing file is not an error.
  virtual Status remove(const std::string& path) = 0;
  /// Creates one directory (0755); an existing one is not an error.
  virtual Status make_directory(const std::string& path) = 0;
  /// Removes a directory if it is empty; a missing or non-empty one is left alone.
  virtual Status remove_directory_if_empty(const std::string& path) = 0;
  /// True when the path is an existing directory.
  virtual bool is_directory(const std::string& path) = 0;
  /// Names in a directory (empty if missing).
  virtual std::vector<std::string> list(const std::string& path) = 0;
};

/// Writes under a HostRoot ("/" on the running system, a tree with --root).
class TreeFileWriter final : public FileWriter {
 public:
  explicit TreeFileWriter(HostRoot root) : root_(std::move(root)) {}
  Result<std::optional<FileState>> read(const std::string& path) override;
  Status write(const std::string& path, std::string_view contents, mode_t mode,
               std::optional<std::pair<uid_t, gid_t>> owner) override;
  Status remove(const std::string& path) override;
  Status make_directory(const std::string& path) override;
  Status remove_directory_if_empty(const std::string& path) override;
  bool is_directory(const std::string& path) override;
  std::vector<std::string> list(const std::string& path) override;

 private:
  HostRoot root_;
};

/// Reads through to another writer and only records what it would change.
class DryRunFileWriter final : public FileWriter {
 public:
  explicit DryRunFileWriter(FileWriter& reader) : reader_(reader) {}
  Result<std::optional<FileState>> read(const std::string& path) override;
  Status write(const std::string& path, std::string_view contents, mode_t mode,
               std::optional<std::pair<uid_t, gid_t>> owner) override;
  Status remove(const std::string& path) override;
  Status make_directory(const std::string& path) override;
  Status remove_directory_if_empty(const std::string& path) override;
  bool is_directory(const std::string& path) override;
  std::vector<std::string> list(const std::string& path) override;

  /// "write /etc/modprobe.d/vfg-vfio.conf (412 bytes, 0644)", in order.
  [[nodiscard]] const std::vector<std::string>& actions() const { return actions_; }

 private:
  FileWriter& reader_;
  std::vector<std::string> actions_;
};

}  // namespace vfg
