#include "host/sysfs_dir.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strings.h"

namespace vfg {

SysfsDir::SysfsDir(const HostRoot& root, std::string_view host_path)
    : fd_(root.open(host_path, O_RDONLY | O_DIRECTORY)),
      tree_(root.is_live() ? std::nullopt : std::optional<HostRoot>(root)),
      host_path_(host_path) {}

UniqueFd SysfsDir::open_entry(std::string_view name) const {
  if (!fd_) return UniqueFd();
  // In a tree, "device/model" may cross a planted link: resolve it in the tree.
  if (tree_) return tree_->open(join_host_path(host_path_, name), O_RDONLY | O_NONBLOCK);
  std::string file(name);
  return UniqueFd(::openat(fd_.get(), file.c_str(), O_RDONLY | O_CLOEXEC));
}

namespace {

// Reads up to `max` bytes of an open attribute, to EOF: sysfs files report
// a size of 4096 whatever they hold.
std::optional<std::string> read_bounded(const UniqueFd& fd, size_t max) {
  if (!fd) return std::nullopt;
  std::string contents;
  char buffer[4096];
  while (contents.size() < max) {
    size_t wanted = std::min(sizeof buffer, max - contents.size());
    ssize_t n = ::read(fd.get(), buffer, wanted);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;  // EINVAL, EIO, ENODEV: the attribute is unknown
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    // sysfs hands over a whole attribute in one read and regular files only
    // come up short at their end, so a short read is the end: this saves the
    // read(2) per attribute that would only confirm EOF.
    if (static_cast<size_t>(n) < wanted) break;
  }
  return contents;
}

}  // namespace

std::optional<std::string> SysfsDir::attr(std::string_view name) const {
  auto contents = read_bounded(open_entry(name), 1 << 20);
  if (!contents) return std::nullopt;
  while (!contents->empty() && (contents->back() == '\n' || contents->back() == '\0'))
    contents->pop_back();
  return contents;
}

std::optional<uint64_t> SysfsDir::hex_attr(std::string_view name) const {
  auto text = attr(name);
  if (!text) return std::nullopt;
  return parse_hex(trim(*text));
}

std::optional<uint64_t> SysfsDir::uint_attr(std::string_view name) const {
  auto text = attr(name);
  if (!text) return std::nullopt;
  std::string_view value = trim(*text);
  if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return parse_uint(value);
}

std::optional<std::string> SysfsDir::bytes(std::string_view name, size_t max) const {
  return read_bounded(open_entry(name), max);
}

std::optional<std::string> SysfsDir::link(std::string_view name) const {
  if (!fd_) return std::nullopt;
  std::string file(name);
  char buffer[4096];
  ssize_t n = ::readlinkat(fd_.get(), file.c_str(), buffer, sizeof buffer);
  if (n <= 0 || n == static_cast<ssize_t>(sizeof buffer)) return std::nullopt;
  return std::string(buffer, static_cast<size_t>(n));
}

std::optional<std::string> SysfsDir::link_basename(std::string_view name) const {
  auto target = link(name);
  if (!target) return std::nullopt;
  auto slash = target->rfind('/');
  return slash == std::string::npos ? *target : target->substr(slash + 1);
}

bool SysfsDir::has(std::string_view name) const {
  if (!fd_) return false;
  std::string file(name);
  struct stat st {};
  return ::fstatat(fd_.get(), file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

std::string resolve_link_target(std::string_view link_dir, std::string_view target) {
  std::vector<std::string_view> parts;
  auto push = [&parts](std::string_view path) {
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string_view::npos) end = path.size();
      std::string_view part = path.substr(start, end - start);
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
      } else if (!part.empty() && part != ".") {
        parts.push_back(part);
      }
      start = end + 1;
    }
  };
  if (target.empty() || target.front() != '/') push(link_dir);
  push(target);
  std::string joined;
  for (auto part : parts) {
    joined += '/';
    joined += part;
  }
  return joined.empty() ? "/" : joined;
}

}  // namespace vfg
