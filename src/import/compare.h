// The proof of an import: the source's QEMU command line and vfg's, reduced
// to devices with properties (the same parser reads both), compared one
// property at a time. Each difference is either a choice vfg makes on purpose
// (with the reason) or lost.
#pragma once

#include <string>
#include <vector>

#include "import/import_report.h"

namespace vfg {

struct CheckLine {
  enum class Kind { kSame, kDeliberate, kLost };
  Kind kind = Kind::kSame;
  std::string device;    ///< "gpu 0000:01:00.0", "disk /dev/disk/by-id/…", "memory"
  std::string property;  ///< "x-vga", "size"; empty for the device as a whole
  std::string source;    ///< the value in the source ("" when absent)
  std::string vfg;       ///< the value in vfg's command line ("" when absent)
  std::string reason;    ///< why vfg differs (kDeliberate)
};

/// Compares the two command lines (arguments after the program). Disk paths
/// are compared by what they name on `host` (a kernel name and its stable
/// name are the same disk); `extra_args` of the definition are vfg's too.
std::vector<CheckLine> compare_command_lines(const std::vector<std::string>& source,
                                             const std::vector<std::string>& vfg,
                                             const ImportHost& host);

/// The report: one line per property, then a summary line.
std::string render_check(const std::vector<CheckLine>& lines);

}  // namespace vfg
