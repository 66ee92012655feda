#include "run/pidfd.h"

#include <cerrno>

#include <sys/syscall.h>
#include <unistd.h>

#include "util/poll_wait.h"

namespace vfg {

UniqueFd open_pidfd(pid_t pid) {
  if (pid <= 0) return UniqueFd();
  return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

bool signal_pidfd(int pidfd, int signal) {
  return ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) == 0;
}

bool wait_pidfd(int pidfd, std::chrono::milliseconds timeout) {
  return wait_readable(pidfd, timeout);
}

}  // namespace vfg
