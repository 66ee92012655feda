#include "support/hugepage_pool_lock.h"

#include <cerrno>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>

namespace vfg::testing {

HugepagePoolLock::HugepagePoolLock() {
  auto path = std::filesystem::temp_directory_path() / "vfg-tests-hugepage-pool.lock";
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
  if (!fd_) throw std::runtime_error("cannot open " + path.string());
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw std::runtime_error("cannot lock " + path.string());
  }
}

}  // namespace vfg::testing
