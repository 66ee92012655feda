#include "host/console_map.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <linux/fb.h>
#include <linux/vt.h>
#include <sys/ioctl.h>

#include "util/strings.h"

namespace vfg {

namespace {

bool is_framebuffer_name(const std::string& name) {
  return name.starts_with("fb") && name.size() > 2 &&
         name.find_first_not_of("0123456789", 2) == std::string::npos;
}

// Any framebuffer device answers for the whole map.
UniqueFd open_any_framebuffer(const HostRoot& root, int flags) {
  for (const auto& name : root.list_dir("/sys/class/graphics"))
    if (is_framebuffer_name(name))
      if (UniqueFd fd = root.open(join_host_path("/dev", name), flags | O_CLOEXEC)) return fd;
  return UniqueFd();
}

}  // namespace

std::optional<std::vector<int>> read_console_map(const HostRoot& root) {
  UniqueFd fb = open_any_framebuffer(root, O_RDONLY);
  if (!fb) return std::nullopt;
  std::vector<int> map;
  for (uint32_t console = 1; console <= MAX_NR_CONSOLES; ++console) {
    fb_con2fbmap entry{console, 0};
    if (::ioctl(fb.get(), FBIOGET_CON2FBMAP, &entry) != 0) return std::nullopt;
    map.push_back(static_cast<int>(entry.framebuffer));
  }
  return map;
}

Status map_consoles(const HostRoot& root, const std::vector<int>& consoles, int fb) {
  UniqueFd device = open_any_framebuffer(root, O_RDWR);
  if (!device) return fail("no framebuffer device to map the consoles through");
  for (int console : consoles) {
    fb_con2fbmap entry{static_cast<uint32_t>(console + 1), static_cast<uint32_t>(fb)};
    if (::ioctl(device.get(), FBIOPUT_CON2FBMAP, &entry) != 0)
      return fail("cannot draw tty{} on fb{}: {}", console + 1, fb, std::strerror(errno));
  }
  auto map = read_console_map(root);
  if (!map) return fail("cannot read the console map back");
  for (int console : consoles)
    if (console >= static_cast<int>(map->size()) || (*map)[static_cast<size_t>(console)] != fb)
      return fail("tty{} is not drawn on fb{} after the change", console + 1, fb);
  return ok();
}

std::vector<std::string> framebuffer_vtconsoles(const HostRoot& root) {
  std::vector<std::string> found;
  for (const auto& vtcon : root.list_dir("/sys/class/vtconsole"))
    if (root.read_attr(join_host_path("/sys/class/vtconsole", vtcon) + "/name")
            .value_or("")
            .find("frame buffer") != std::string::npos)
      found.push_back(vtcon);
  return found;
}

bool framebuffer_console_bound(const HostRoot& root) {
  for (const auto& vtcon : framebuffer_vtconsoles(root))
    if (root.read_attr(join_host_path("/sys/class/vtconsole", vtcon) + "/bind") == "1") return true;
  return false;
}

std::vector<std::string> function_framebuffers(const HostRoot& root, const std::string& address) {
  std::vector<std::string> found;
  for (const auto& name :
       root.list_dir(join_host_path("/sys/bus/pci/devices", address) + "/graphics"))
    if (is_framebuffer_name(name)) found.push_back(name);
  return found;
}

}  // namespace vfg
