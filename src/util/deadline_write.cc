#include "util/deadline_write.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace vfg {

Result<WriteOutcome> write_within(int fd, std::string_view data,
                                  std::chrono::milliseconds deadline) {
  pid_t child = ::fork();
  if (child < 0) return fail("fork: {}", std::strerror(errno));
  if (child == 0) {
    // sysfs takes an attribute in one write; a short write is an error.
    ssize_t written = ::write(fd, data.data(), data.size());
    int status = written == static_cast<ssize_t>(data.size()) ? 0 : written < 0 ? errno : EIO;
    ::_exit(status > 255 ? EIO : status);
  }
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
  if (!pidfd) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    return fail("pidfd_open: {}", std::strerror(errno));
  }
  pollfd ready{pidfd.get(), POLLIN, 0};
  int polled = 0;
  do {
    polled = ::poll(&ready, 1, static_cast<int>(deadline.count()));
  } while (polled < 0 && errno == EINTR);
  if (polled == 0) {
    // An interruptible wait ends here; a child blocked uninterruptibly in
    // the kernel dies once its write returns, and init reaps it after us.
    ::kill(child, SIGKILL);
    return WriteOutcome::kTimedOut;
  }
  int status = 0;
  if (::waitpid(child, &status, 0) < 0) return fail("waitpid: {}", std::strerror(errno));
  if (!WIFEXITED(status)) return fail("the writing process died (status {})", status);
  if (int error = WEXITSTATUS(status); error != 0) return fail("{}", std::strerror(error));
  return WriteOutcome::kDone;
}

}  // namespace vfg
