#include "util/exclusive_file.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace vfg {

Status create_new_file(const std::filesystem::path& path, std::string_view contents) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd) {
    if (errno == EEXIST) return fail("'{}' already exists", path.string());
    return fail("cannot create '{}': {}", path.string(), std::strerror(errno));
  }
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing '{}': {}", path.string(), std::strerror(errno));
    written += static_cast<size_t>(n);
  }
  return ok();
}

}  // namespace vfg
