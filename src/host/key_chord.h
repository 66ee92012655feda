// The host key chord that ends a single-GPU run at once: keys named the way
// the kernel's input-event-codes.h names them, without "KEY_" and in lower
// case ("leftctrl+leftalt+end"), read from a keyboard that stays with the host.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/unique_fd.h"

namespace vfg {

/// "leftctrl+leftalt+end" → the keys' codes. Fails naming a key it does not
/// know and listing the ones it does; two to five distinct keys.
Result<std::vector<uint16_t>> parse_key_chord(std::string_view chord);

/// Follows a keyboard's key events and says when every key of a chord is
/// held at once.
class ChordWatcher {
 public:
  ChordWatcher(UniqueFd device, std::vector<uint16_t> chord);

  /// Opens an evdev node (/dev/input/by-id/…-event-kbd) for reading, without
  /// grabbing it: the host keeps its keyboard.
  static Result<ChordWatcher> open(const std::string& device, std::vector<uint16_t> chord);

  /// For poll(): readable when events wait.
  [[nodiscard]] int fd() const { return device_.get(); }
  /// Reads the waiting events; true once the whole chord is held.
  bool read_events();
  /// The same from raw `struct input_event` bytes (what read_events reads).
  bool feed(std::string_view events);

 private:
  UniqueFd device_;
  std::vector<uint16_t> chord_;
  std::set<uint16_t> held_;
};

}  // namespace vfg
