#include "util/file_io.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace vfg {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail("cannot read '{}': {}", path.string(), std::strerror(errno));
  std::string contents;
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read '{}': {}", path.string(), std::strerror(errno));
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

namespace {
Status write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write '{}': {}", path.string(), std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ok();
}
}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view contents, mode_t mode,
                         Durability durability) {
  const bool durable = durability == Durability::kDurable;
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::string temp = (dir / ("." + path.filename().string() + ".vfg-XXXXXX")).string();
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return fail("cannot create a file in '{}': {}", dir.string(), std::strerror(errno));
  auto cleanup_on_error = [&](Status status) {
    ::unlink(temp.c_str());
    return status;
  };
  if (auto written = write_all(fd.get(), contents, path); !written)
    return cleanup_on_error(written);
  if (::fchmod(fd.get(), mode) != 0 || (durable && ::fsync(fd.get()) != 0))
    return cleanup_on_error(fail("cannot write '{}': {}", path.string(), std::strerror(errno)));
  fd.reset();
  if (::rename(temp.c_str(), path.c_str()) != 0)
    return cleanup_on_error(fail("cannot replace '{}': {}", path.string(), std::strerror(errno)));
  if (!durable) return ok();
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd) ::fsync(dir_fd.get());
  return ok();
}

Status make_directories(const fs::path& path, mode_t mode) {
  fs::path partial;
  for (const auto& part : path) {
    partial /= part;
    if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST)
      return fail("cannot create directory '{}': {}", partial.string(), std::strerror(errno));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail("'{}' is not a directory", path.string());
  return ok();
}

}  // namespace vfg
