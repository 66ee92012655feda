// Runs the built vfg binary the way a user would, for end-to-end tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vfg::testing {

struct VfgRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `vfg args...` with `env` set on top of the test's environment
/// (NO_COLOR is always set so output is stable).
VfgRun run_vfg(const std::vector<std::string>& args,
               const std::vector<std::pair<std::string, std::string>>& env = {});

/// The absolute path of a file in the source tree ("tests/fixtures/...").
std::string source_path(const std::string& relative);

}  // namespace vfg::testing
