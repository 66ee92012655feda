#include "host/device_holders.h"

#include <algorithm>

#include <fcntl.h>
#include <fmt/format.h>

#include "host/console_map.h"
#include "host/passwd.h"
#include "util/strings.h"

namespace vfg {

namespace {

bool is_number(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

/// The names in a sysfs directory (a function's "drm", "sound",
/// "graphics") that start with one of `prefixes`.
std::vector<std::string> entries_starting(const HostRoot& root, const std::string& dir,
                                          std::initializer_list<std::string_view> prefixes) {
  std::vector<std::string> names;
  for (const auto& name : root.list_dir(dir))
    for (auto prefix : prefixes)
      if (name.starts_with(prefix)) names.push_back(name);
  return names;
}

/// NVIDIA's driver numbers its /dev/nvidiaN nodes itself ("Device Minor:"
/// in /proc/driver/nvidia/gpus/ADDR/information); every process of the
/// driver also holds nvidiactl and nvidia-modeset, which serve all its cards.
std::vector<std::string> nvidia_nodes(const HostRoot& root, const PciAddress& function) {
  std::vector<std::string> nodes{"/dev/nvidiactl", "/dev/nvidia-modeset"};
  auto info = root.read_attr(join_host_path("/proc/driver/nvidia/gpus", function.to_string()) +
                             "/information");
  for (const auto& line : split(info.value_or(""), '\n')) {
    if (!line.starts_with("Device Minor:")) continue;
    std::string minor(trim(line.substr(line.find(':') + 1)));
    if (is_number(minor)) nodes.push_back("/dev/nvidia" + minor);
  }
  return nodes;
}

/// Whether the framebuffer console (bound to a vtconsole) draws on one of
/// `framebuffers`: as the kernel maps consoles when it can be asked, else on
/// fb0, where fbcon puts them unless told otherwise (fbcon=map:).
bool console_on(const HostRoot& root, const std::vector<std::string>& framebuffers) {
  std::vector<std::string> drawn_on{"fb0"};
  if (auto map = read_console_map(root)) {
    drawn_on.clear();
    for (int fb : *map) drawn_on.push_back("fb" + std::to_string(fb));
  }
  if (std::none_of(framebuffers.begin(), framebuffers.end(), [&](const std::string& fb) {
        return std::find(drawn_on.begin(), drawn_on.end(), fb) != drawn_on.end();
      }))
    return false;
  return framebuffer_console_bound(root);
}

struct NodeUse {
  uid_t uid = 0;
  std::string node;
};

/// The first of `nodes` process `pid` has open or mapped.
std::optional<NodeUse> uses_node(const HostRoot& root, const std::string& pid,
                                 const std::vector<std::string>& nodes) {
  std::string dir = join_host_path("/proc", pid);
  auto status = root.link_status(dir);
  if (!status) return std::nullopt;
  auto hit = [&](std::string_view path) -> std::optional<NodeUse> {
    for (const auto& node : nodes)
      if (path == node) return NodeUse{status->st_uid, node};
    return std::nullopt;
  };
  std::string fds = dir + "/fd";
  for (const auto& fd : root.list_dir(fds))
    if (auto target = root.read_link(join_host_path(fds, fd)))
      if (auto use = hit(*target)) return use;
  // A mapping outlives the fd it was made from (a compositor's scanout buffer).
  for (const auto& line : split(root.read_attr(dir + "/maps").value_or(""), '\n')) {
    auto slash = line.find('/');
    if (slash != std::string::npos)
      if (auto use = hit(trim(line.substr(slash)))) return use;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> function_device_nodes(const HostRoot& root, const PciAddress& function) {
  std::string device = join_host_path("/sys/bus/pci/devices", function.to_string());
  std::vector<std::string> nodes;
  for (const auto& name : entries_starting(root, device + "/drm", {"card", "renderD"}))
    nodes.push_back(join_host_path("/dev/dri", name));
  for (const auto& card : entries_starting(root, device + "/sound", {"card"})) {
    std::string card_dir = join_host_path(device + "/sound", card);
    for (const auto& name : entries_starting(root, card_dir, {"controlC", "pcmC", "hwC"}))
      nodes.push_back(join_host_path("/dev/snd", name));
  }
  for (const auto& name : entries_starting(root, device + "/graphics", {"fb"}))
    nodes.push_back(join_host_path("/dev", name));
  if (root.link_basename(device + "/driver") == "nvidia") {
    auto more = nvidia_nodes(root, function);
    nodes.insert(nodes.end(), more.begin(), more.end());
  }
  return nodes;
}

std::vector<DeviceHolder> device_holders(const HostRoot& root, const PciAddress& function) {
  std::vector<DeviceHolder> holders;
  std::string device = join_host_path("/sys/bus/pci/devices", function.to_string());
  auto framebuffers = function_framebuffers(root, function.to_string());
  if (console_on(root, framebuffers))
    holders.push_back({0, "fbcon", 0, "root", "/dev/" + framebuffers.front()});
  std::vector<std::string> nodes = function_device_nodes(root, function);
  if (nodes.empty()) return holders;
  auto processes = node_holders(root, nodes);
  holders.insert(holders.end(), processes.begin(), processes.end());
  return holders;
}

std::vector<DeviceHolder> node_holders(const HostRoot& root,
                                       const std::vector<std::string>& nodes) {
  std::vector<DeviceHolder> holders;
  std::vector<std::string> pids;
  for (const auto& entry : root.list_dir("/proc"))
    if (is_number(entry)) pids.push_back(entry);
  std::sort(pids.begin(), pids.end(),
            [](const std::string& a, const std::string& b) { return std::stol(a) < std::stol(b); });
  for (const auto& pid : pids) {
    auto use = uses_node(root, pid, nodes);
    if (!use) continue;
    std::string comm =
        root.read_attr(join_host_path(join_host_path("/proc", pid), "comm")).value_or("?");
    holders.push_back({static_cast<pid_t>(std::stol(pid)), std::move(comm), use->uid,
                       user_name_of(root, use->uid), use->node});
  }
  return holders;
}

std::string describe(const DeviceHolder& holder) {
  if (holder.pid == 0)
    return fmt::format(
        "the framebuffer console is drawn on {} (put it on the host's display with the kernel "
        "parameter fbcon=map:N, or unbind it: /sys/class/vtconsole/vtconN/bind)",
        holder.node);
  return fmt::format("pid {} {} (user {}) has {} open", holder.pid, holder.comm, holder.user,
                     holder.node);
}

}  // namespace vfg
