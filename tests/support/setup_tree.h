// Fixture hosts for setup tests: a distribution's /etc and /boot
// (tests/fixtures/setup/NAME) laid over a machine's /sys and /proc
// (tests/fixtures/hosts/NAME), and whole-tree snapshots to compare.
#pragma once

#include <map>
#include <string>

#include "support/temp_dir.h"

namespace vfg::testing {

/// A scratch directory on tmpfs (/dev/shm) when there is one: the kill-at-every-step
/// tests copy and fsync whole trees hundreds of times, which tmpfs makes cheap.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(std::string_view relative) const {
    return path_ / relative;
  }

 private:
  std::filesystem::path path_;
};

/// Copies the hardware tree, then the distribution tree, into `dir` (symlinks kept),
/// plus an empty /var/lib as every installed system has.
void compose_host(const ScratchDir& dir, const std::string& distro, const std::string& hardware);

/// Copies a composed tree (symlinks as symlinks) into the empty directory `to`.
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

/// Every entry below `root` by relative path: type, mode and contents (or link
/// target). /sys and /proc are left out: setup reads them and never writes there.
std::map<std::string, std::string> snapshot(const std::filesystem::path& root);

/// The entries that differ between two snapshots, one per line ("" when equal).
std::string snapshot_difference(const std::map<std::string, std::string>& a,
                                const std::map<std::string, std::string>& b);

}  // namespace vfg::testing
