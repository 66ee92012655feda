#include "host/trusted_path.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <sys/stat.h>

namespace vfg {

std::optional<std::string> own_executable() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return std::nullopt;
  return path.string();
}

Status check_root_only_path(const std::string& path) {
  std::filesystem::path at(path);
  if (!at.is_absolute()) return fail("'{}' is not an absolute path", path);
  // The file first, then each directory up to "/"; every entry checked is root's.
  for (std::filesystem::path current = at, below;;
       below = current, current = current.parent_path()) {
    struct ::stat status {};
    if (::lstat(current.c_str(), &status) != 0)
      return fail("cannot inspect {}: {}", current.string(), std::strerror(errno));
    if (S_ISLNK(status.st_mode))
      return fail("{} is a symlink; name the real file (`realpath`)", current.string());
    if (status.st_uid != 0) return fail("{} does not belong to root", current.string());
    bool others_write = (status.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    bool sticky_dir = S_ISDIR(status.st_mode) && (status.st_mode & S_ISVTX) != 0 && !below.empty();
    if (others_write && !sticky_dir)
      return fail("{} is writable by others than root (mode {:o})", current.string(),
                  status.st_mode & 07777);
    if (current == current.root_path()) break;
  }
  return ok();
}

}  // namespace vfg
