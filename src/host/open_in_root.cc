#include "host/open_in_root.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <string>
#include <vector>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vfg {

namespace {

// The kernel's own limit on symlinks followed in one lookup.
constexpr int kMaxLinks = 40;

std::vector<std::string> components_reversed(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  std::reverse(parts.begin(), parts.end());
  return parts;
}

bool read_link_at(int dir_fd, const std::string& name, std::string& target) {
  char buffer[4096];
  ssize_t n = ::readlinkat(dir_fd, name.c_str(), buffer, sizeof buffer);
  if (n < 0) return false;
  if (n == static_cast<ssize_t>(sizeof buffer)) {
    errno = ENAMETOOLONG;
    return false;
  }
  target.assign(buffer, static_cast<size_t>(n));
  return true;
}

UniqueFd fail_with(int error) {
  errno = error;
  return UniqueFd();
}

}  // namespace

UniqueFd open_in_root_by_walk(int root_fd, std::string_view path, int flags, mode_t mode) {
  // The directories resolved so far, root first: ".." pops one, never the root.
  std::vector<UniqueFd> dirs;
  dirs.emplace_back(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!dirs.back()) return UniqueFd();
  std::vector<std::string> pending = components_reversed(path);
  if (pending.empty()) return UniqueFd(::openat(root_fd, ".", flags | O_CLOEXEC, mode));
  int links = 0;
  while (!pending.empty()) {
    // "." and ".." are compared in place: GCC 12 at -O3 warns (falsely) on a
    // string just moved out of the vector.
    if (pending.back() == "." || pending.back() == "..") {
      if (pending.back() == ".." && dirs.size() > 1) dirs.pop_back();
      pending.pop_back();
      if (pending.empty()) return UniqueFd(::openat(dirs.back().get(), ".", flags | O_CLOEXEC));
      continue;
    }
    std::string part = std::move(pending.back());
    pending.pop_back();
    int parent = dirs.back().get();
    if (pending.empty()) {
      UniqueFd last(::openat(parent, part.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
      if (last || errno != ELOOP || (flags & O_NOFOLLOW) != 0) return last;
      // ELOOP under O_NOFOLLOW: the last component is a symlink; follow it below.
    } else {
      UniqueFd next(::openat(parent, part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!next) return next;
      struct stat st {};
      if (::fstat(next.get(), &st) != 0) return UniqueFd();
      if (S_ISDIR(st.st_mode)) {
        dirs.push_back(std::move(next));
        continue;
      }
      if (!S_ISLNK(st.st_mode)) return fail_with(ENOTDIR);
    }
    std::string target;
    if (!read_link_at(parent, part, target)) return UniqueFd();
    if (++links > kMaxLinks) return fail_with(ELOOP);
    if (!target.empty() && target.front() == '/') dirs.resize(1);
    if (target.empty()) return fail_with(ENOENT);
    // Reversed, so the target's first component is the next one popped.
    for (auto& piece : components_reversed(target)) pending.push_back(std::move(piece));
  }
  // A path of only "/" components ending after a link to the root ("/").
  return UniqueFd(::openat(dirs.back().get(), ".", flags | O_CLOEXEC));
}

UniqueFd open_in_root(int root_fd, std::string_view path, int flags, mode_t mode) {
  static std::atomic<bool> kernel_lacks_openat2{false};
  if (!kernel_lacks_openat2.load(std::memory_order_relaxed)) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const std::string relative = path.empty() ? std::string(".") : std::string(path);
    for (int attempt = 0; attempt < 8; ++attempt) {
      long fd = ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how);
      if (fd >= 0) return UniqueFd(static_cast<int>(fd));
      // EAGAIN: a rename elsewhere in the tree raced with a ".."; look again.
      if (errno != EAGAIN) break;
    }
    if (errno != ENOSYS) return UniqueFd();
    kernel_lacks_openat2.store(true, std::memory_order_relaxed);
  }
  return open_in_root_by_walk(root_fd, path, flags, mode);
}

}  // namespace vfg
