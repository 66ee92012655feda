// Waiting for one file descriptor with a deadline, restarting after signals.
#pragma once

#include <chrono>

namespace vfg {

/// Waits until `fd` is readable (for a pidfd: the process exited).
/// Returns false on timeout or a poll error.
bool wait_readable(int fd, std::chrono::milliseconds timeout);

}  // namespace vfg
