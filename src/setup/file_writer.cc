#include "setup/file_writer.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file_io.h"

namespace vfg {

// Every change goes through the directory opened inside the root, so a
// symlink planted in a --root tree cannot turn a write into one on the host.

Result<std::optional<FileState>> TreeFileWriter::read(const std::string& path) {
  // O_NOFOLLOW: setup manages files, not links; O_NONBLOCK: a FIFO must not hang.
  UniqueFd fd = root_.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<FileState>{};
    if (errno == ELOOP) return fail("'{}' is a symlink; setup only manages regular files", path);
    return fail("cannot inspect '{}': {}", path, std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return fail("cannot inspect '{}': {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fail("'{}' is not a regular file; setup only manages regular files", path);
  auto contents = read_all(fd.get(), path);
  if (!contents) return tl::unexpected(contents.error());
  return std::optional<FileState>{FileState{
      std::move(*contents), static_cast<mode_t>(st.st_mode & 07777), st.st_uid, st.st_gid}};
}

Status TreeFileWriter::write(const std::string& path, std::string_view contents, mode_t mode,
                             std::optional<std::pair<uid_t, gid_t>> owner) {
  auto parent = root_.open_parent(path);
  if (!parent.dir) return fail("cannot write '{}': {}", path, std::strerror(errno));
  return write_file_atomic_at(parent.dir.get(), parent.name, path, contents, mode,
                              Durability::kDurable, owner);
}

Status TreeFileWriter::remove(const std::string& path) {
  auto parent = root_.open_parent(path);
  if (!parent.dir) {
    if (errno == ENOENT) return ok();
    return fail("cannot remove '{}': {}", path, std::strerror(errno));
  }
  if (::unlinkat(parent.dir.get(), parent.name.c_str(), 0) != 0 && errno != ENOENT)
    return fail("cannot remove '{}': {}", path, std::strerror(errno));
  return ok();
}

Status TreeFileWriter::make_directory(const std::string& path) {
  auto parent = root_.open_parent(path);
  if (!parent.dir ||
      (::mkdirat(parent.dir.get(), parent.name.c_str(), 0755) != 0 && errno != EEXIST))
    return fail("cannot create directory '{}': {}", path, std::strerror(errno));
  return ok();
}

Status TreeFileWriter::remove_directory_if_empty(const std::string& path) {
  auto parent = root_.open_parent(path);
  if (!parent.dir) {
    if (errno == ENOENT) return ok();
    return fail("cannot remove directory '{}': {}", path, std::strerror(errno));
  }
  if (::unlinkat(parent.dir.get(), parent.name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT &&
      errno != ENOTEMPTY && errno != EEXIST)
    return fail("cannot remove directory '{}': {}", path, std::strerror(errno));
  return ok();
}

bool TreeFileWriter::is_directory(const std::string& path) {
  auto st = root_.file_status(path);
  return st && S_ISDIR(st->st_mode);
}

std::vector<std::string> TreeFileWriter::list(const std::string& path) {
  return root_.list_dir(path);
}

Result<std::optional<FileState>> DryRunFileWriter::read(const std::string& path) {
  return reader_.read(path);
}

Status DryRunFileWriter::write(const std::string& path, std::string_view contents, mode_t mode,
                               std::optional<std::pair<uid_t, gid_t>>) {
  actions_.push_back(fmt::format("write {} ({} bytes, {:04o})", path, contents.size(), mode));
  return ok();
}

Status DryRunFileWriter::remove(const std::string& path) {
  actions_.push_back("remove " + path);
  return ok();
}

Status DryRunFileWriter::make_directory(const std::string& path) {
  if (!reader_.is_directory(path)) actions_.push_back("create directory " + path);
  return ok();
}

Status DryRunFileWriter::remove_directory_if_empty(const std::string& path) {
  if (reader_.is_directory(path)) actions_.push_back("remove directory " + path + " if empty");
  return ok();
}

bool DryRunFileWriter::is_directory(const std::string& path) { return reader_.is_directory(path); }

std::vector<std::string> DryRunFileWriter::list(const std::string& path) {
  return reader_.list(path);
}

}  // namespace vfg
