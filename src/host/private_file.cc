#include "host/private_file.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace vfg {

Status ensure_private_file(const std::string& path, mode_t mode) {
  // O_NOFOLLOW: a planted symlink is refused, never followed; O_NONBLOCK: a
  // planted FIFO does not hang the open.
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode));
  if (!fd && errno == ELOOP)
    return fail("'{}' is a symlink; vfg only uses a regular file it owns there (remove it: rm {})",
                path, path);
  if (!fd) return fail("cannot open '{}': {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return fail("cannot inspect '{}': {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fail("'{}' is not a regular file (remove it: rm -r {})", path, path);
  if (st.st_uid != ::geteuid())
    return fail(
        "'{}' belongs to user {}, not to you: whoever owns it can read the guest's screen "
        "(remove it: sudo rm {})",
        path, st.st_uid, path);
  if ((st.st_mode & 0007) != 0 && ::fchmod(fd.get(), st.st_mode & 0770) != 0)
    return fail("cannot make '{}' private: {}", path, std::strerror(errno));
  return ok();
}

}  // namespace vfg
