// HostRoot is the only code that turns "/sys/...", "/proc/...", "/dev/...",
// "/etc/..." or "/run/..." into an open file. In production its prefix is "/";
// `--root DIR` points it at a fixture tree or an unpacked snapshot, so every
// reader of the host can be tested without the hardware. Such a tree is not
// trusted: every lookup in it resolves symlinks and ".." as if the tree were
// "/" (open_in_root), so a planted `etc -> /etc` cannot reach the real host.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>

#include "util/result.h"
#include "util/unique_fd.h"

namespace vfg {

class HostRoot {
 public:
  /// The running system ("/").
  HostRoot();
  /// A tree laid out like "/" (fixture, snapshot, or a target for `setup`).
  explicit HostRoot(std::filesystem::path prefix);

  /// The prefix this root maps "/" to.
  [[nodiscard]] const std::filesystem::path& prefix() const { return prefix_; }
  /// True when this is the running system, not a tree.
  [[nodiscard]] bool is_live() const { return prefix_ == "/"; }

  /// The real path a host path names under the prefix, for messages and for
  /// programs that take a path argument. Never open it: a symlink in the tree
  /// could lead anywhere. Open with open() instead.
  [[nodiscard]] std::filesystem::path path(std::string_view host_path) const;

  /// Opens a host path with open(2) `flags`, symlinks confined to the tree.
  /// Invalid fd with errno set on failure.
  [[nodiscard]] UniqueFd open(std::string_view host_path, int flags, mode_t mode = 0) const;

  /// A host path's directory, opened inside the tree, and its last component:
  /// what setup creates, renames and removes entries through.
  struct Parent {
    UniqueFd dir;      ///< invalid (errno set) when the directory cannot be opened
    std::string name;  ///< the last component; empty for "/"
  };
  [[nodiscard]] Parent open_parent(std::string_view host_path) const;

  /// Resolves every symlink in `host_path` as the kernel would if the prefix
  /// were "/": absolute link targets stay inside the tree. Returns the host
  /// path ("/sys/devices/pci0000:00/0000:00:01.0"), or nullopt if it does not exist.
  [[nodiscard]] std::optional<std::string> resolve(std::string_view host_path) const;

  /// Reads a sysfs-style attribute: whole file, trailing newline trimmed.
  /// Missing, unreadable (EACCES, EINVAL, EIO, ENODEV...) → nullopt, never an error:
  /// an odd attribute makes that fact unknown, not the command fail.
  [[nodiscard]] std::optional<std::string> read_attr(std::string_view host_path) const;

  /// Reads a whole file, failing with the host path in the message.
  [[nodiscard]] Result<std::string> read_file(std::string_view host_path) const;

  /// The target of a symlink as stored (may be relative), or nullopt.
  [[nodiscard]] std::optional<std::string> read_link(std::string_view host_path) const;

  /// The last component of a symlink's target: the driver behind ".../driver",
  /// the group number behind ".../iommu_group".
  [[nodiscard]] std::optional<std::string> link_basename(std::string_view host_path) const;

  /// Names in a directory (not "." or ".."), sorted; empty if it is missing.
  [[nodiscard]] std::vector<std::string> list_dir(std::string_view host_path) const;

  /// True if the path exists (following symlinks inside the tree).
  [[nodiscard]] bool exists(std::string_view host_path) const;

  /// File type and mode of a path (following symlinks inside the tree).
  [[nodiscard]] std::optional<struct ::stat> file_status(std::string_view host_path) const;

  /// Like file_status, but a symlink at the end is reported, not followed (lstat).
  [[nodiscard]] std::optional<struct ::stat> link_status(std::string_view host_path) const;

 private:
  std::filesystem::path prefix_;
};

/// Joins host path components with '/': join_host_path("/sys/bus", "pci") == "/sys/bus/pci".
std::string join_host_path(std::string_view base, std::string_view name);

}  // namespace vfg
