// Which processes use a set of files: named on their command line or held
// open. Finds a QEMU the user ran by hand (the `vfg args` script) on a VM's
// disks and sockets, which no lock of vfg's records.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

#include "host/host_root.h"

namespace vfg {

/// One process and the given paths it uses.
struct ProcessUse {
  pid_t pid = 0;
  /// The executable's name (/proc/PID/comm).
  std::string comm;
  /// The paths it names or holds open, in the order given.
  std::vector<std::string> paths;
};

/// Every process (other than this one) that names one of `paths` on its
/// command line or has one open. Only processes this user may inspect are
/// seen, which covers any QEMU of the user's own VMs.
std::vector<ProcessUse> processes_using(const HostRoot& root,
                                        const std::vector<std::string>& paths);

}  // namespace vfg
