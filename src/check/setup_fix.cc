#include "check/setup_fix.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg::check {

SetupFix setup_fix(const SetupExpectations& setup, NeedKind need, std::string_view what) {
  SetupFix fix;
  if (!setup.known) return fix;
  std::vector<std::string> paths;
  fix.in_place = true;
  for (const auto& file : setup.files) {
    if (file.need != need) continue;
    paths.push_back(file.path);
    fix.files.push_back({file.path, file.contents});
    fix.in_place = fix.in_place && file.in_place;
  }
  if (paths.empty()) {
    fix.in_place = false;
    return fix;
  }
  fix.text = fmt::format("run `vfg setup` ({}: {})", what, join(paths, ", "));
  return fix;
}

Finding with_fix_files(Finding finding, const SetupFix& fix) {
  if (!fix.in_place && finding.status != Status::kPass) finding.files = fix.files;
  return finding;
}

}  // namespace vfg::check
