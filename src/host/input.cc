#include "host/input.h"

#include <algorithm>
#include <map>

#include "host/sysfs_dir.h"
#include "util/strings.h"

namespace vfg {

std::string_view to_string(InputKind kind) {
  switch (kind) {
    case InputKind::kKeyboard:
      return "keyboard";
    case InputKind::kMouse:
      return "mouse";
    case InputKind::kGamepad:
      return "gamepad";
    case InputKind::kOther:
      return "other";
  }
  return "other";
}

namespace {

// A capability bitmap: the kernel prints longs in hex, the highest first.
bool has_bit(std::string_view bitmap, unsigned bit) {
  auto words = split_whitespace(bitmap);
  unsigned index = bit / 64;
  if (index >= words.size()) return false;
  auto word = parse_hex(words[words.size() - 1 - index]);
  return word && ((*word >> (bit % 64)) & 1) != 0;
}

// udev's input_id names by-id links "...-event-kbd", "-event-mouse", "-event-joystick".
std::optional<InputKind> kind_from_link(std::string_view link) {
  auto ends_with = [&link](std::string_view suffix) {
    return link.size() >= suffix.size() && link.substr(link.size() - suffix.size()) == suffix;
  };
  if (ends_with("-event-kbd")) return InputKind::kKeyboard;
  if (ends_with("-event-mouse")) return InputKind::kMouse;
  if (ends_with("-event-joystick")) return InputKind::kGamepad;
  return std::nullopt;
}

}  // namespace

InputKind input_kind_from_capabilities(std::string_view ev, std::string_view key,
                                       std::string_view rel) {
  constexpr unsigned kEvKey = 1, kEvRel = 2;
  constexpr unsigned kKeyA = 30, kKeyZ = 44, kBtnLeft = 0x110, kBtnJoystick = 0x120,
                     kBtnGamepad = 0x130, kRelX = 0, kRelY = 1;
  bool keys = has_bit(ev, kEvKey);
  if (keys && (has_bit(key, kBtnGamepad) || has_bit(key, kBtnJoystick))) return InputKind::kGamepad;
  if (has_bit(ev, kEvRel) && has_bit(rel, kRelX) && has_bit(rel, kRelY) && has_bit(key, kBtnLeft))
    return InputKind::kMouse;
  if (keys && has_bit(key, kKeyA) && has_bit(key, kKeyZ)) return InputKind::kKeyboard;
  return InputKind::kOther;
}

std::vector<InputDevice> scan_input(const HostRoot& root) {
  // Stable names first: event node → the links that point at it.
  std::map<std::string, std::vector<std::string>> by_id, by_path;
  for (auto [dir, into] :
       {std::pair{"/dev/input/by-id", &by_id}, {"/dev/input/by-path", &by_path}}) {
    for (const auto& entry : root.list_dir(dir)) {
      std::string link = join_host_path(dir, entry);
      if (auto event = root.link_basename(link)) (*into)[*event].push_back(link);
    }
  }
  std::vector<InputDevice> devices;
  constexpr std::string_view kClassDir = "/sys/class/input";
  for (const auto& entry : root.list_dir(kClassDir)) {
    if (entry.rfind("event", 0) != 0 || !parse_uint(entry.substr(5))) continue;
    InputDevice device;
    device.event = entry;
    device.dev_path = "/dev/input/" + entry;
    std::string link = join_host_path(kClassDir, entry);
    auto target = root.read_link(link);
    std::string path = target ? resolve_link_target(kClassDir, *target) : link;
    // .../usb1/1-4/1-4:1.0/0003:046D:C52B.0001/input/input5/event3: the
    // input device is the parent directory, the USB device the last "B-P" part.
    std::string input_dir = path.substr(0, path.rfind('/'));
    SysfsDir input(root, input_dir);
    device.name = input.attr("name").value_or("");
    device.vendor_id = static_cast<uint16_t>(input.hex_attr("id/vendor").value_or(0));
    device.product_id = static_cast<uint16_t>(input.hex_attr("id/product").value_or(0));
    for (const auto& part : split(path, '/')) {
      if (part.find(':') == std::string::npos && part.find('-') != std::string::npos &&
          part.find_first_not_of("0123456789-.") == std::string::npos)
        device.usb_device = part;
    }
    device.by_id = by_id[entry];
    device.by_path = by_path[entry];
    std::sort(device.by_id.begin(), device.by_id.end());
    std::sort(device.by_path.begin(), device.by_path.end());
    std::optional<InputKind> kind;
    for (const auto& name : device.by_id)
      if (!kind) kind = kind_from_link(name);
    for (const auto& name : device.by_path)
      if (!kind) kind = kind_from_link(name);
    if (!kind)
      kind = input_kind_from_capabilities(input.attr("capabilities/ev").value_or(""),
                                          input.attr("capabilities/key").value_or(""),
                                          input.attr("capabilities/rel").value_or(""));
    device.kind = *kind;
    devices.push_back(std::move(device));
  }
  std::sort(devices.begin(), devices.end(), [](const InputDevice& a, const InputDevice& b) {
    return parse_uint(a.event.substr(5)) < parse_uint(b.event.substr(5));
  });
  return devices;
}

}  // namespace vfg
