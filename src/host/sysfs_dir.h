// Reading many attributes of one sysfs directory. The directory is opened once
// and every attribute is read relative to it, so a scan over hundreds of
// devices does not make the kernel walk the full path again for each file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"
#include "util/unique_fd.h"

namespace vfg {

/// One directory of the host tree (usually under /sys), opened through a HostRoot.
class SysfsDir {
 public:
  /// Opens `host_path` below `root`; a missing directory gives an invalid SysfsDir
  /// whose reads all return nullopt.
  SysfsDir(const HostRoot& root, std::string_view host_path);

  [[nodiscard]] bool valid() const { return fd_.valid(); }

  /// An attribute with the trailing newline trimmed; nullopt when missing or unreadable.
  [[nodiscard]] std::optional<std::string> attr(std::string_view name) const;
  /// An attribute parsed as a hex number ("0x10de"); nullopt when missing or odd.
  [[nodiscard]] std::optional<uint64_t> hex_attr(std::string_view name) const;
  /// An attribute parsed as a decimal number; nullopt when missing or odd.
  [[nodiscard]] std::optional<uint64_t> uint_attr(std::string_view name) const;
  /// Up to `max` leading bytes of a binary attribute (e.g. PCI `config`).
  [[nodiscard]] std::optional<std::string> bytes(std::string_view name, size_t max) const;
  /// The target of the symlink `name` as stored (relative as the kernel writes it).
  [[nodiscard]] std::optional<std::string> link(std::string_view name) const;
  /// The last component of the symlink `name`'s target.
  [[nodiscard]] std::optional<std::string> link_basename(std::string_view name) const;
  /// True if `name` exists in the directory (without following a final symlink).
  [[nodiscard]] bool has(std::string_view name) const;

 private:
  /// `name` opened for reading: below the directory on the live host, through
  /// the tree's own lookup in a --root tree.
  UniqueFd open_entry(std::string_view name) const;

  UniqueFd fd_;
  std::optional<HostRoot> tree_;  ///< set for a --root tree
  std::string host_path_;
};

/// Lexically joins a relative symlink target to the directory holding the link
/// and removes "." and "..": ("/sys/bus/pci/devices", "../../../devices/pci0000:00")
/// → "/sys/devices/pci0000:00". Absolute targets are returned normalised.
std::string resolve_link_target(std::string_view link_dir, std::string_view target);

}  // namespace vfg
