#include "host/display_takeover.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "host/console_map.h"
#include "host/device_holders.h"
#include "util/deadline_write.h"
#include "util/file_io.h"
#include "util/json_record.h"
#include "util/strings.h"

namespace vfg {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DisplayTakeover, card, display_manager, consoles_on_card,
                                   vtconsoles, framebuffers)

namespace {

// The platform drivers of firmware framebuffers: efifb, vesafb, and
// simplefb / simpledrm (both register as "simple-framebuffer").
constexpr std::string_view kFirmwareFramebufferDrivers[] = {"efi-framebuffer", "vesa-framebuffer",
                                                            "simple-framebuffer"};

constexpr std::string_view kPlatformDrivers = "/sys/bus/platform/drivers";

/// How long a returned card's driver may take to register its framebuffer.
constexpr auto kFramebufferDeadline = std::chrono::seconds(15);
/// How long fbcon may refuse to bind once the framebuffer is there.
constexpr auto kBindDeadline = std::chrono::seconds(5);

Status write_attr(const HostRoot& root, const std::string& path, std::string_view value,
                  std::chrono::milliseconds deadline) {
  UniqueFd fd = root.open(path, O_WRONLY | O_CLOEXEC);
  if (!fd) return fail("cannot open {}: {}", path, std::strerror(errno));
  auto outcome = write_within(fd.get(), value, deadline);
  if (!outcome) return fail("writing '{}' to {} failed: {}", value, path, outcome.error().message);
  if (*outcome == WriteOutcome::kTimedOut)
    return fail("writing '{}' to {} did not finish within {} s", value, path,
                std::chrono::duration_cast<std::chrono::seconds>(deadline).count());
  return ok();
}

std::string vtcon_bind_path(const std::string& vtcon) {
  return join_host_path("/sys/class/vtconsole", vtcon) + "/bind";
}

/// "efi-framebuffer/efi-framebuffer.0" → the driver's directory and the device.
std::pair<std::string, std::string> split_framebuffer(const std::string& entry) {
  auto slash = entry.find('/');
  return {join_host_path(kPlatformDrivers, entry.substr(0, slash)), entry.substr(slash + 1)};
}

Status write_state_file(const HostRoot& root, const std::string& host_path,
                        const std::string& text) {
  HostRoot::Parent parent = root.open_parent(host_path);
  if (!parent.dir)
    return fail("cannot open the directory of {}: {}", host_path, std::strerror(errno));
  return write_file_atomic_at(parent.dir.get(), parent.name, host_path, text, 0644,
                              Durability::kDurable);
}

/// Draws the consoles that were on the card on it again, once its driver has
/// registered a framebuffer. Mapping a console also makes fbcon take the
/// virtual terminals over if it had let go of them all (set_con2fb_map):
/// after that, a bare write to vtconN/bind is accepted and does nothing until
/// a framebuffer registers — which never happens when the card never left
/// its driver. What did not come back, or nothing.
std::optional<std::string> map_consoles_on_card(const HostRoot& root,
                                                const DisplayTakeover& takeover,
                                                const DisplayStepOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + kFramebufferDeadline;
  std::vector<std::string> card_fbs;
  while ((card_fbs = function_framebuffers(root, takeover.card)).empty() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (card_fbs.empty())
    return fmt::format("{} registered no framebuffer within {} s: the console stays where it is",
                       takeover.card, kFramebufferDeadline.count());
  int fb = std::stoi(card_fbs.front().substr(2));
  if (auto mapped = map_consoles(root, takeover.consoles_on_card, fb); !mapped)
    return mapped.error().message;
  options.log(
      fmt::format("the consoles are drawn on {} ({}) again", card_fbs.front(), takeover.card));
  return std::nullopt;
}

/// Binds fbcon to the virtual terminals again, retrying while a returned
/// card's driver registers its framebuffer (a write can be refused then).
bool bind_vtconsole(const HostRoot& root, const std::string& vtcon,
                    const DisplayStepOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + kBindDeadline;
  while (root.read_attr(vtcon_bind_path(vtcon)) != "1") {
    if (auto bound = write_attr(root, vtcon_bind_path(vtcon), "1", options.write_deadline); !bound)
      options.log(bound.error().message);
    if (root.read_attr(vtcon_bind_path(vtcon)) == "1") break;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return true;
}

}  // namespace

DisplayTakeover plan_display_takeover(const HostRoot& root, const std::string& card,
                                      bool display_manager_running) {
  DisplayTakeover takeover;
  takeover.card = card;
  takeover.display_manager = display_manager_running;
  std::vector<std::string> card_fbs = function_framebuffers(root, card);
  if (auto map = read_console_map(root)) {
    for (size_t console = 0; console < map->size(); ++console)
      if (std::find(card_fbs.begin(), card_fbs.end(), "fb" + std::to_string((*map)[console])) !=
          card_fbs.end())
        takeover.consoles_on_card.push_back(static_cast<int>(console));
  }
  for (const auto& vtcon : framebuffer_vtconsoles(root))
    if (root.read_attr(vtcon_bind_path(vtcon)) == "1") takeover.vtconsoles.push_back(vtcon);
  for (std::string_view driver : kFirmwareFramebufferDrivers) {
    std::string dir = join_host_path(kPlatformDrivers, driver);
    // A bound device shows up in its driver's directory under its own name.
    for (const auto& device : root.list_dir(dir))
      if (device.starts_with(std::string(driver) + "."))
        takeover.framebuffers.push_back(std::string(driver) + "/" + device);
  }
  return takeover;
}

std::string takeover_record_path(std::string_view run) {
  return join_host_path(single_gpu_paths::kStateDir, std::string(run) + ".json");
}

std::string takeover_outcome_path(std::string_view run) {
  return join_host_path(single_gpu_paths::kOutcomeDir, std::string(run) + ".last");
}

std::string takeover_json(const DisplayTakeover& takeover) {
  return nlohmann::json(takeover).dump(2) + "\n";
}

std::optional<DisplayTakeover> parse_takeover(std::string_view text) {
  nlohmann::json doc = parse_json_record(text);
  if (doc.is_discarded()) return std::nullopt;
  try {
    return doc.get<DisplayTakeover>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Status write_takeover(const HostRoot& root, std::string_view run, const DisplayTakeover& takeover) {
  return write_state_file(root, takeover_record_path(run), takeover_json(takeover));
}

std::optional<DisplayTakeover> read_takeover(const HostRoot& root, std::string_view run) {
  auto text = root.read_attr(takeover_record_path(run));
  if (!text) return std::nullopt;
  return parse_takeover(*text);
}

void remove_takeover(const HostRoot& root, std::string_view run) {
  HostRoot::Parent parent = root.open_parent(takeover_record_path(run));
  if (parent.dir) ::unlinkat(parent.dir.get(), parent.name.c_str(), 0);
}

Status release_consoles(const HostRoot& root, const DisplayTakeover& takeover,
                        const DisplayStepOptions& options) {
  for (const auto& vtcon : takeover.vtconsoles) {
    if (auto unbound = write_attr(root, vtcon_bind_path(vtcon), "0", options.write_deadline);
        !unbound)
      return unbound;
    options.log(fmt::format("{}: the framebuffer console is unbound", vtcon));
  }
  for (const auto& entry : takeover.framebuffers) {
    auto [dir, device] = split_framebuffer(entry);
    if (auto unbound = write_attr(root, dir + "/unbind", device, options.write_deadline); !unbound)
      return unbound;
    options.log(fmt::format("{}: the firmware framebuffer is unbound", device));
  }
  return ok();
}

std::vector<std::string> restore_consoles(const HostRoot& root, const DisplayTakeover& takeover,
                                          const DisplayStepOptions& options) {
  std::vector<std::string> missing;
  for (auto entry = takeover.framebuffers.rbegin(); entry != takeover.framebuffers.rend();
       ++entry) {
    auto [dir, device] = split_framebuffer(*entry);
    if (!root.exists(join_host_path(dir, device)))
      if (auto bound = write_attr(root, dir + "/bind", device, options.write_deadline); !bound)
        options.log(bound.error().message);
    if (root.exists(join_host_path(dir, device))) {
      options.log(fmt::format("{}: the firmware framebuffer is back", device));
    } else {
      missing.push_back(fmt::format("the firmware framebuffer {} is not bound again", device));
    }
  }
  if (takeover.vtconsoles.empty()) return missing;
  if (!takeover.consoles_on_card.empty())
    if (auto failed = map_consoles_on_card(root, takeover, options)) missing.push_back(*failed);
  for (const auto& vtcon : takeover.vtconsoles) {
    if (bind_vtconsole(root, vtcon, options)) {
      options.log(fmt::format("{}: the framebuffer console is bound again", vtcon));
    } else {
      missing.push_back(fmt::format("the framebuffer console ({}) is not bound again", vtcon));
    }
  }
  return missing;
}

bool card_taken_by_vm(const HostRoot& root, const std::string& card) {
  std::string device = join_host_path("/sys/bus/pci/devices", card);
  if (root.link_basename(device + "/driver") != "vfio-pci") return false;
  auto group = root.link_basename(device + "/iommu_group");
  return group && !node_holders(root, {join_host_path("/dev/vfio", *group)}).empty();
}

std::vector<pid_t> own_cgroup_processes(const HostRoot& root) {
  std::vector<pid_t> pids;
  // cgroup v2: one line, "0::/system.slice/NAME.service".
  auto membership = root.read_attr("/proc/self/cgroup");
  if (!membership || !membership->starts_with("0::/")) return pids;
  auto procs =
      root.read_attr(join_host_path("/sys/fs/cgroup", membership->substr(4)) + "/cgroup.procs");
  for (const auto& line : split(procs.value_or(""), '\n'))
    if (auto pid = parse_uint(trim(line))) pids.push_back(static_cast<pid_t>(*pid));
  return pids;
}

Status write_outcome(const HostRoot& root, std::string_view run, const std::string& line) {
  return write_state_file(root, takeover_outcome_path(run), line + "\n");
}

std::optional<std::string> read_outcome(const HostRoot& root, std::string_view run) {
  return root.read_attr(takeover_outcome_path(run));
}

}  // namespace vfg
