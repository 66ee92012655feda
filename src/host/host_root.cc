#include "host/host_root.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/open_in_root.h"
#include "util/file_io.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace vfg {

namespace fs = std::filesystem;

HostRoot::HostRoot() : prefix_("/") {}

HostRoot::HostRoot(fs::path prefix) : prefix_(std::move(prefix)) {
  if (prefix_.empty()) prefix_ = "/";
  // Keep "/" as is; strip a trailing slash from anything else so paths join cleanly.
  std::string text = prefix_.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  prefix_ = text;
}

std::string join_host_path(std::string_view base, std::string_view name) {
  std::string joined(base);
  if (joined.empty() || joined.back() != '/') joined += '/';
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  joined += name;
  return joined;
}

fs::path HostRoot::path(std::string_view host_path) const {
  if (is_live()) return fs::path(host_path);
  while (!host_path.empty() && host_path.front() == '/') host_path.remove_prefix(1);
  return prefix_ / fs::path(host_path);
}

namespace {
// "/a/b" from {"a", "b"}. Appending to "/" rather than `"/" + join(...)`,
// which GCC 12 at -O3 flags with a false -Wrestrict.
std::string absolute_path(const std::vector<std::string>& parts) {
  std::string path = "/";
  path += join(parts, "/");
  return path;
}
}  // namespace

std::optional<std::string> HostRoot::resolve(std::string_view host_path) const {
  // Walk the path one component at a time, expanding symlinks against the
  // tree's own root, like path lookup in a chroot. 40 is the kernel's limit.
  std::vector<std::string> pending;
  for (const auto& part : split(host_path, '/'))
    if (!part.empty()) pending.push_back(part);
  std::reverse(pending.begin(), pending.end());
  std::vector<std::string> resolved;
  int links_followed = 0;
  while (!pending.empty()) {
    // Compared in place and moved last: GCC 12 at -O3 warns (falsely) about
    // comparing a string just moved out of the vector.
    if (pending.back() == "." || pending.back() == "..") {
      if (pending.back() == ".." && !resolved.empty()) resolved.pop_back();
      pending.pop_back();
      continue;
    }
    resolved.push_back(std::move(pending.back()));
    pending.pop_back();
    std::string current = absolute_path(resolved);
    UniqueFd entry = open(current, O_PATH | O_NOFOLLOW);
    struct stat st {};
    if (!entry || ::fstat(entry.get(), &st) != 0) return std::nullopt;
    if (!S_ISLNK(st.st_mode)) continue;
    if (++links_followed > 40) return std::nullopt;
    auto target = read_link(current);
    if (!target) return std::nullopt;
    resolved.pop_back();
    if (!target->empty() && target->front() == '/') resolved.clear();
    auto target_parts = split(*target, '/');
    for (auto it = target_parts.rbegin(); it != target_parts.rend(); ++it)
      if (!it->empty()) pending.push_back(*it);
  }
  return absolute_path(resolved);
}

UniqueFd HostRoot::open(std::string_view host_path, int flags, mode_t mode) const {
  if (is_live()) return UniqueFd(::open(std::string(host_path).c_str(), flags | O_CLOEXEC, mode));
  UniqueFd root(::open(prefix_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return root;
  return open_in_root(root.get(), host_path, flags, mode);
}

HostRoot::Parent HostRoot::open_parent(std::string_view host_path) const {
  while (host_path.size() > 1 && host_path.back() == '/') host_path.remove_suffix(1);
  size_t slash = host_path.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? "/" : host_path.substr(0, slash + 1);
  std::string_view name = slash == std::string_view::npos ? host_path : host_path.substr(slash + 1);
  return Parent{open(dir, O_RDONLY | O_DIRECTORY), std::string(name)};
}

std::optional<std::string> HostRoot::read_attr(std::string_view host_path) const {
  // O_NONBLOCK: a FIFO planted in a tree must not hang the reader.
  UniqueFd fd = open(host_path, O_RDONLY | O_NONBLOCK);
  if (!fd) return std::nullopt;
  auto contents = read_all(fd.get(), host_path);
  if (!contents) return std::nullopt;  // EINVAL, EIO, ENODEV: the attribute is unknown
  while (!contents->empty() && (contents->back() == '\n' || contents->back() == '\0'))
    contents->pop_back();
  return std::move(*contents);
}

Result<std::string> HostRoot::read_file(std::string_view host_path) const {
  UniqueFd fd = open(host_path, O_RDONLY | O_NONBLOCK);
  if (!fd) return fail("cannot read '{}': {}", host_path, std::strerror(errno));
  return read_all(fd.get(), host_path);
}

std::optional<std::string> HostRoot::read_link(std::string_view host_path) const {
  Parent parent = open_parent(host_path);
  if (!parent.dir || parent.name.empty()) return std::nullopt;
  char buffer[4096];
  ssize_t n = ::readlinkat(parent.dir.get(), parent.name.c_str(), buffer, sizeof buffer);
  if (n < 0 || n == static_cast<ssize_t>(sizeof buffer)) return std::nullopt;
  return std::string(buffer, static_cast<size_t>(n));
}

std::optional<std::string> HostRoot::link_basename(std::string_view host_path) const {
  auto target = read_link(host_path);
  if (!target) return std::nullopt;
  auto slash = target->rfind('/');
  return slash == std::string::npos ? *target : target->substr(slash + 1);
}

std::vector<std::string> HostRoot::list_dir(std::string_view host_path) const {
  std::vector<std::string> names;
  UniqueFd fd = open(host_path, O_RDONLY | O_DIRECTORY);
  if (!fd) return names;
  DIR* dir = ::fdopendir(fd.get());
  if (dir == nullptr) return names;
  fd.release();  // the DIR owns it now
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name(entry->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

bool HostRoot::exists(std::string_view host_path) const {
  return file_status(host_path).has_value();
}

std::optional<struct ::stat> HostRoot::file_status(std::string_view host_path) const {
  struct stat st {};
  if (is_live()) {
    if (::stat(std::string(host_path).c_str(), &st) != 0) return std::nullopt;
    return st;
  }
  UniqueFd fd = open(host_path, O_PATH);
  if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  return st;
}

std::optional<struct ::stat> HostRoot::link_status(std::string_view host_path) const {
  struct stat st {};
  UniqueFd fd = open(host_path, O_PATH | O_NOFOLLOW);
  if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  return st;
}

}  // namespace vfg
