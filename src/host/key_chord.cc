#include "host/key_chord.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/input.h>
#include <unistd.h>

#include "util/strings.h"

namespace vfg {

namespace {

struct KeyName {
  std::string_view name;
  uint16_t code;
};

// The keys a chord may use: modifiers and keys a desktop rarely binds, plus
// letters, digits and function keys. Codes from <linux/input-event-codes.h>.
constexpr std::array kKeys = {
    KeyName{"leftctrl", KEY_LEFTCTRL},
    KeyName{"rightctrl", KEY_RIGHTCTRL},
    KeyName{"leftalt", KEY_LEFTALT},
    KeyName{"rightalt", KEY_RIGHTALT},
    KeyName{"leftshift", KEY_LEFTSHIFT},
    KeyName{"rightshift", KEY_RIGHTSHIFT},
    KeyName{"leftmeta", KEY_LEFTMETA},
    KeyName{"rightmeta", KEY_RIGHTMETA},
    KeyName{"esc", KEY_ESC},
    KeyName{"backspace", KEY_BACKSPACE},
    KeyName{"insert", KEY_INSERT},
    KeyName{"delete", KEY_DELETE},
    KeyName{"home", KEY_HOME},
    KeyName{"end", KEY_END},
    KeyName{"pageup", KEY_PAGEUP},
    KeyName{"pagedown", KEY_PAGEDOWN},
    KeyName{"pause", KEY_PAUSE},
    KeyName{"scrolllock", KEY_SCROLLLOCK},
    KeyName{"sysrq", KEY_SYSRQ},
    KeyName{"f1", KEY_F1},
    KeyName{"f2", KEY_F2},
    KeyName{"f3", KEY_F3},
    KeyName{"f4", KEY_F4},
    KeyName{"f5", KEY_F5},
    KeyName{"f6", KEY_F6},
    KeyName{"f7", KEY_F7},
    KeyName{"f8", KEY_F8},
    KeyName{"f9", KEY_F9},
    KeyName{"f10", KEY_F10},
    KeyName{"f11", KEY_F11},
    KeyName{"f12", KEY_F12},
    KeyName{"a", KEY_A},
    KeyName{"b", KEY_B},
    KeyName{"c", KEY_C},
    KeyName{"d", KEY_D},
    KeyName{"e", KEY_E},
    KeyName{"f", KEY_F},
    KeyName{"g", KEY_G},
    KeyName{"h", KEY_H},
    KeyName{"i", KEY_I},
    KeyName{"j", KEY_J},
    KeyName{"k", KEY_K},
    KeyName{"l", KEY_L},
    KeyName{"m", KEY_M},
    KeyName{"n", KEY_N},
    KeyName{"o", KEY_O},
    KeyName{"p", KEY_P},
    KeyName{"q", KEY_Q},
    KeyName{"r", KEY_R},
    KeyName{"s", KEY_S},
    KeyName{"t", KEY_T},
    KeyName{"u", KEY_U},
    KeyName{"v", KEY_V},
    KeyName{"w", KEY_W},
    KeyName{"x", KEY_X},
    KeyName{"y", KEY_Y},
    KeyName{"z", KEY_Z},
    KeyName{"0", KEY_0},
    KeyName{"1", KEY_1},
    KeyName{"2", KEY_2},
    KeyName{"3", KEY_3},
    KeyName{"4", KEY_4},
    KeyName{"5", KEY_5},
    KeyName{"6", KEY_6},
    KeyName{"7", KEY_7},
    KeyName{"8", KEY_8},
    KeyName{"9", KEY_9},
};

}  // namespace

Result<std::vector<uint16_t>> parse_key_chord(std::string_view chord) {
  std::vector<uint16_t> codes;
  for (const auto& part : split(chord, '+')) {
    std::string name(trim(part));
    auto key = std::find_if(kKeys.begin(), kKeys.end(),
                            [&](const KeyName& known) { return known.name == name; });
    if (key == kKeys.end())
      return fail(
          "'{}' is not a key vfg knows; use names like leftctrl, rightalt, end, pause, "
          "f12 or a letter, joined with '+'",
          name);
    if (std::find(codes.begin(), codes.end(), key->code) != codes.end())
      return fail("'{}' is in the chord twice", name);
    codes.push_back(key->code);
  }
  // One key is pressed by accident; six cannot be held on every keyboard.
  if (codes.size() < 2 || codes.size() > 5)
    return fail("a chord has two to five keys, e.g. leftctrl+leftalt+end");
  return codes;
}

ChordWatcher::ChordWatcher(UniqueFd device, std::vector<uint16_t> chord)
    : device_(std::move(device)), chord_(std::move(chord)) {}

Result<ChordWatcher> ChordWatcher::open(const std::string& device, std::vector<uint16_t> chord) {
  UniqueFd fd(::open(device.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return fail("cannot open the keyboard '{}': {}", device, std::strerror(errno));
  return ChordWatcher(std::move(fd), std::move(chord));
}

bool ChordWatcher::feed(std::string_view events) {
  for (size_t at = 0; at + sizeof(input_event) <= events.size(); at += sizeof(input_event)) {
    input_event event{};
    std::memcpy(&event, events.data() + at, sizeof(event));
    if (event.type != EV_KEY) continue;
    // 1 is a press and 2 an autorepeat: both mean held.
    if (event.value == 0) {
      held_.erase(event.code);
    } else {
      held_.insert(event.code);
    }
  }
  return std::all_of(chord_.begin(), chord_.end(),
                     [this](uint16_t code) { return held_.contains(code); });
}

bool ChordWatcher::read_events() {
  std::string buffer(64 * sizeof(input_event), '\0');
  bool held = false;
  for (;;) {
    ssize_t got = ::read(device_.get(), buffer.data(), buffer.size());
    if (got <= 0) return held;
    held = feed(std::string_view(buffer.data(), static_cast<size_t>(got))) || held;
  }
}

}  // namespace vfg
