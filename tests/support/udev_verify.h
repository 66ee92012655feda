// udev rules checked by a current systemd: `udevadm verify` from a minimal Debian
// unstable root with udev (scripts/current-stack-root.sh, cached), run through
// chroot so the rules are judged by today's udev, not Debian 12's.
#pragma once

#include <string>

namespace vfg::testing {

/// What `udevadm verify` said about one rules file.
struct UdevVerdict {
  bool clean = false;  ///< exit status 0 and no line about the file (no error, no warning)
  std::string output;  ///< everything it printed, for the failure message
};

/// Verifies `rules`, stored as `name` ("70-vfg-kvmfr.rules"), with names resolved
/// against the root's own /etc/group (which has the system group "kvm").
UdevVerdict udevadm_verify(const std::string& name, const std::string& rules);

}  // namespace vfg::testing
