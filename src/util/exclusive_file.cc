#include "util/exclusive_file.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include "util/file_io.h"
#include "util/unique_fd.h"

namespace vfg {

Status create_new_file(const std::filesystem::path& path, std::string_view contents) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd) {
    if (errno == EEXIST) return fail("'{}' already exists", path.string());
    return write_failure("cannot create", path.string(), errno);
  }
  // Half a file would pass for a whole one (the next `vfg new` would find it
  // "already exists"); it is ours (O_EXCL), so a failed write removes it.
  auto remove_on_error = [&path](int error) {
    ::unlink(path.c_str());
    return write_failure("cannot write", path.string(), error);
  };
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return remove_on_error(errno);
    written += static_cast<size_t>(n);
  }
  if (::close(fd.release()) != 0) return remove_on_error(errno);
  return ok();
}

}  // namespace vfg
