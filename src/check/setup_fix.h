// A finding's fix when `vfg setup` meets the need: the step named with
// setup's own file names, and the files attached with setup's own contents,
// so following the fix by hand leaves what `vfg setup` would have written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "check/facts.h"
#include "check/finding.h"

namespace vfg::check {

struct SetupFix {
  /// "run `vfg setup` (memlock limit: /etc/security/limits.d/95-vfg-memlock.conf)";
  /// empty when setup's plan is unknown or writes nothing for the need.
  std::string text;
  std::vector<FileFix> files;
  /// Every file is there with setup's contents already: only a login, a
  /// reboot or a udev trigger is missing.
  bool in_place = false;

  [[nodiscard]] bool known() const { return !text.empty(); }
};

/// The `vfg setup` step that meets `need`; `what` names it for people.
SetupFix setup_fix(const SetupExpectations& setup, NeedKind need, std::string_view what);

/// The finding with the step's files attached (only when it is not yet in place).
Finding with_fix_files(Finding finding, const SetupFix& fix);

}  // namespace vfg::check
