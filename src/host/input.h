// Input devices (keyboards, mice, gamepads) with the stable /dev/input/by-id
// names that QEMU's input-linux object should be given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace vfg {

enum class InputKind { kKeyboard, kMouse, kGamepad, kOther };

/// "keyboard", "mouse", "gamepad", "other".
std::string_view to_string(InputKind kind);

/// One evdev node (/dev/input/eventN).
struct InputDevice {
  /// "event3".
  std::string event;
  /// "/dev/input/event3" (its number can change between boots).
  std::string dev_path;
  /// The device's name ("Logitech USB Receiver").
  std::string name;
  InputKind kind = InputKind::kOther;
  /// Every /dev/input/by-id link to it, full paths, sorted.
  std::vector<std::string> by_id;
  /// Every /dev/input/by-path link to it, full paths, sorted.
  std::vector<std::string> by_path;
  /// The USB device it belongs to ("1-4"), if it is USB.
  std::optional<std::string> usb_device;
  uint16_t vendor_id = 0;
  uint16_t product_id = 0;
};

/// Every evdev node, sorted by event number.
std::vector<InputDevice> scan_input(const HostRoot& root);

/// The kind from evdev capability bitmaps as the kernel prints them (hex
/// words, most significant first): `ev`, `key` and `rel`.
InputKind input_kind_from_capabilities(std::string_view ev, std::string_view key,
                                       std::string_view rel);

}  // namespace vfg
