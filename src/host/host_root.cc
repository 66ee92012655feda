#include "host/host_root.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// "/" followed by the components. Appending (rather than "/" + join(...))
// also keeps GCC 12's -O3 -Wrestrict false positive (GCC bug 105651) away.
std::string absolute_path(const std::vector<std::string>& components) {
  std::string joined = "/";
  joined += join(components, "/");
  return joined;
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
    // Taken straight from `pending`: a moved-to local here trips GCC 12's
    // -O3 -Wmaybe-uninitialized false positive on the short-string buffer.
    if (pending.back() == "." || pending.back() == "..") {
      if (pending.back() == ".." && !resolved.empty()) resolved.pop_back();
      pending.pop_back();
      continue;
    }
    resolved.push_back(std::move(pending.back()));
    pending.pop_back();
    std::string current = absolute_path(resolved);
    struct stat st {};
    if (::lstat(path(current).c_str(), &st) != 0) return std::nullopt;
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

std::optional<std::string> HostRoot::read_attr(std::string_view host_path) const {
  // sysfs files report a size of 4096 whatever they hold: read to EOF instead.
  UniqueFd fd(::open(path(host_path).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string contents;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  while (!contents.empty() && (contents.back() == '\n' || contents.back() == '\0'))
    contents.pop_back();
  return contents;
}

Result<std::string> HostRoot::read_file(std::string_view host_path) const {
  return vfg::read_file(path(host_path));
}

std::optional<std::string> HostRoot::read_link(std::string_view host_path) const {
  char buffer[4096];
  ssize_t n = ::readlink(path(host_path).c_str(), buffer, sizeof buffer);
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
  DIR* dir = ::opendir(path(host_path).c_str());
  if (dir == nullptr) return names;
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
  std::string real(host_path);
  if (!is_live()) {
    auto resolved = resolve(host_path);
    if (!resolved) return std::nullopt;
    real = *resolved;
  }
  struct stat st {};
  if (::stat(path(real).c_str(), &st) != 0) return std::nullopt;
  return st;
}

}  // namespace vfg
