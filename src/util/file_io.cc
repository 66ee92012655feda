#include "util/file_io.h"

#include <cerrno>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace vfg {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail("cannot read '{}': {}", path.string(), std::strerror(errno));
  return read_all(fd.get(), path.string());
}

Result<std::string> read_all(int fd, std::string_view name, size_t max_bytes) {
  std::string contents;
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read '{}': {}", name, std::strerror(errno));
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > max_bytes)
      return fail("'{}' is larger than {} bytes; it cannot be what vfg expects there", name,
                  max_bytes);
  }
  return contents;
}

tl::unexpected<Error> write_failure(std::string_view what, std::string_view name, int error) {
  if (error == ENOSPC || error == EDQUOT)
    return fail(
        "{} '{}': {}; the file system is full, and '{}' is as it was before "
        "(free some space, then try again)",
        what, name, std::strerror(error), name);
  return fail("{} '{}': {}", what, name, std::strerror(error));
}

namespace {

Status write_all(int fd, std::string_view data, std::string_view name) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return write_failure("cannot write", name, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ok();
}

// A name for the temporary file beside `name` that no one else is using.
UniqueFd create_temporary_at(int dir_fd, const std::string& name, std::string& temp) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp = "." + name + ".vfg-";
    uint64_t seed = std::random_device{}();
    for (int i = 0; i < 6; ++i, seed /= 36) temp += kLetters[seed % 36];
    UniqueFd fd(
        ::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd || errno != EEXIST) return fd;
  }
  return UniqueFd();
}
}  // namespace

Status write_file_atomic_at(int dir_fd, const std::string& name, std::string_view shown_as,
                            std::string_view contents, mode_t mode, Durability durability,
                            std::optional<std::pair<uid_t, gid_t>> owner) {
  const bool durable = durability == Durability::kDurable;
  std::string temp;
  UniqueFd fd = create_temporary_at(dir_fd, name, temp);
  if (!fd) return write_failure("cannot create a file beside", shown_as, errno);
  auto cleanup_on_error = [&](Status status) {
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return status;
  };
  if (auto written = write_all(fd.get(), contents, shown_as); !written)
    return cleanup_on_error(written);
  if (owner && ::fchown(fd.get(), owner->first, owner->second) != 0)
    return cleanup_on_error(
        fail("cannot set the owner of '{}': {}", shown_as, std::strerror(errno)));
  if (::fchmod(fd.get(), mode) != 0 || (durable && ::fsync(fd.get()) != 0))
    return cleanup_on_error(write_failure("cannot write", shown_as, errno));
  // Without the fsync, a file system that allocates late (NFS, quotas) may
  // report the full disk only here.
  if (::close(fd.release()) != 0)
    return cleanup_on_error(write_failure("cannot write", shown_as, errno));
  if (::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0)
    return cleanup_on_error(fail("cannot replace '{}': {}", shown_as, std::strerror(errno)));
  if (durable) ::fsync(dir_fd);
  return ok();
}

Status write_file_atomic(const fs::path& path, std::string_view contents, mode_t mode,
                         Durability durability) {
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return fail("cannot create a file in '{}': {}", dir.string(), std::strerror(errno));
  return write_file_atomic_at(dir_fd.get(), path.filename().string(), path.string(), contents, mode,
                              durability);
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
