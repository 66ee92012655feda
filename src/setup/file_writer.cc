#include "setup/file_writer.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file_io.h"

namespace vfg {

Result<std::optional<FileState>> TreeFileWriter::read(const std::string& path) {
  auto real = root_.path(path);
  struct stat st {};
  if (::lstat(real.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<FileState>{};
    return fail("cannot inspect '{}': {}", path, std::strerror(errno));
  }
  if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
    return fail("'{}' is not a regular file; setup only manages regular files", path);
  auto contents = vfg::read_file(real);
  if (!contents) return tl::unexpected(contents.error());
  return std::optional<FileState>{FileState{
      std::move(*contents), static_cast<mode_t>(st.st_mode & 07777), st.st_uid, st.st_gid}};
}

Status TreeFileWriter::write(const std::string& path, std::string_view contents, mode_t mode,
                             std::optional<std::pair<uid_t, gid_t>> owner) {
  auto real = root_.path(path);
  if (auto written = write_file_atomic(real, contents, mode); !written) return written;
  if (owner && ::chown(real.c_str(), owner->first, owner->second) != 0)
    return fail("cannot set the owner of '{}': {}", path, std::strerror(errno));
  return ok();
}

Status TreeFileWriter::remove(const std::string& path) {
  auto real = root_.path(path);
  if (::unlink(real.c_str()) != 0 && errno != ENOENT)
    return fail("cannot remove '{}': {}", path, std::strerror(errno));
  return ok();
}

Status TreeFileWriter::make_directory(const std::string& path) {
  auto real = root_.path(path);
  if (::mkdir(real.c_str(), 0755) != 0 && errno != EEXIST)
    return fail("cannot create directory '{}': {}", path, std::strerror(errno));
  return ok();
}

Status TreeFileWriter::remove_directory_if_empty(const std::string& path) {
  auto real = root_.path(path);
  if (::rmdir(real.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
    return fail("cannot remove directory '{}': {}", path, std::strerror(errno));
  return ok();
}

bool TreeFileWriter::is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(root_.path(path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
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
