// This machine's hugepage pool is one for all: tests that change it take this
// lock for their whole run, so that ctest's parallel jobs never count each
// other's pages (one test's reservation would look like another's leak).
#pragma once

#include "util/unique_fd.h"

namespace vfg::testing {

/// Waits for and holds an exclusive flock on a lock file in the temp directory.
class HugepagePoolLock {
 public:
  HugepagePoolLock();

 private:
  UniqueFd fd_;
};

}  // namespace vfg::testing
