// A write that may block in the kernel for good (a sysfs `unbind` whose
// driver waits for a process that never lets go) must not take the caller
// with it. The write runs in a forked child; the caller waits up to a
// deadline and, past it, leaves the child blocked and reports.
#pragma once

#include <chrono>
#include <string_view>

#include "util/result.h"

namespace vfg {

/// How a deadline write ended.
enum class WriteOutcome {
  kDone,      ///< written
  kTimedOut,  ///< still blocked at the deadline (the child is killed, or dies once it returns)
};

/// Writes all of `data` to `fd` (opened by the caller) within `deadline`.
/// The child only calls write(2) and _exit(2), so forking is safe in a
/// program with threads. An error from write(2) is an error value.
Result<WriteOutcome> write_within(int fd, std::string_view data,
                                  std::chrono::milliseconds deadline);

}  // namespace vfg
