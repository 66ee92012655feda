// pidfds for processes that are not our children (QEMU seen from `vfg stop`):
// a readable pidfd means the process exited, and signals sent through one
// cannot hit a reused pid.
#pragma once

#include <chrono>

#include <sys/types.h>

#include "util/unique_fd.h"

namespace vfg {

/// Opens a pidfd; invalid if the process does not exist.
UniqueFd open_pidfd(pid_t pid);
/// Sends `signal` through a pidfd; false if the process is gone.
bool signal_pidfd(int pidfd, int signal);
/// Waits until the process behind `pidfd` exits; false on timeout.
bool wait_pidfd(int pidfd, std::chrono::milliseconds timeout);

}  // namespace vfg
