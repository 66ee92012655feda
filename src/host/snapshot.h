// `vfg snapshot`: a copy of exactly the parts of /sys, /proc, /dev and /run
// that vfg reads, with symlinks kept as the kernel made them, so that
// `vfg --root snapshot.tar.gz ...` sees the same machine. Users attach it to
// bug reports; the project turns it into test fixtures.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

/// One captured path.
struct SnapshotEntry {
  enum class Kind { kFile, kSymlink };
  /// The host path ("/sys/bus/pci/devices/0000:01:00.0").
  std::string path;
  Kind kind = Kind::kFile;
  /// File contents, or the symlink's target as stored.
  std::string data;
};

struct SnapshotOptions {
  /// Keep serial numbers, WWNs and MAC addresses (they are replaced by default).
  bool keep_serials = false;
};

/// Reads what discovery and the host checks read from `root`, scrubbed unless
/// told otherwise. Sorted by path; unreadable files are left out.
std::vector<SnapshotEntry> collect_snapshot(const HostRoot& root, const SnapshotOptions& options);

/// Recreates `entries` below `dir` (files and relative symlinks).
Status write_snapshot_tree(std::vector<SnapshotEntry> entries, const std::filesystem::path& dir);

/// Collects a snapshot of `root` and packs it into the .tar.gz `file` with tar.
/// Returns the number of entries written.
Result<size_t> write_snapshot(const HostRoot& root, const std::filesystem::path& file,
                              const SnapshotOptions& options);

/// Replaces every occurrence of each secret in `text` with a stable placeholder
/// ("SERIAL1", "SERIAL2", ... in the order given), and MAC addresses with
/// locally administered ones.
std::string scrub_text(std::string text, const std::vector<std::string>& secrets);

}  // namespace vfg
