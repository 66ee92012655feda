#include "host/key_chord.h"

#include <cstring>

#include <linux/input.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace vfg {
namespace {

std::string key(uint16_t code, int value) {
  input_event event{};
  event.type = EV_KEY;
  event.code = code;
  event.value = value;
  std::string bytes(sizeof(event), '\0');
  std::memcpy(bytes.data(), &event, sizeof(event));
  return bytes;
}

TEST(KeyChord, ParsesKernelKeyNames) {
  auto chord = parse_key_chord("leftctrl+leftalt+end");
  ASSERT_TRUE(chord) << chord.error().message;
  EXPECT_EQ(*chord, (std::vector<uint16_t>{KEY_LEFTCTRL, KEY_LEFTALT, KEY_END}));
  EXPECT_EQ(*parse_key_chord("rightctrl + f12"), (std::vector<uint16_t>{KEY_RIGHTCTRL, KEY_F12}));
}

TEST(KeyChord, RefusesUnknownRepeatedAndTooFewOrManyKeys) {
  auto unknown = parse_key_chord("leftctrl+hyper");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("'hyper' is not a key"), std::string::npos);
  EXPECT_FALSE(parse_key_chord("end"));
  EXPECT_FALSE(parse_key_chord("a+a"));
  EXPECT_FALSE(parse_key_chord("a+b+c+d+e+f"));
  EXPECT_FALSE(parse_key_chord(""));
}

TEST(KeyChord, FiresOnlyWhileEveryKeyIsHeld) {
  ChordWatcher watcher(UniqueFd(), {KEY_LEFTCTRL, KEY_LEFTALT, KEY_END});
  EXPECT_FALSE(watcher.feed(key(KEY_LEFTCTRL, 1) + key(KEY_LEFTALT, 1)));
  EXPECT_FALSE(watcher.feed(key(KEY_LEFTALT, 0) + key(KEY_END, 1)));
  // Autorepeat (2) counts as held.
  EXPECT_TRUE(watcher.feed(key(KEY_LEFTALT, 1) + key(KEY_END, 2)));
}

TEST(KeyChord, ReadsEventsFromTheDevice) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd write_end(fds[1]);
  ChordWatcher watcher{UniqueFd(fds[0]), {KEY_LEFTCTRL, KEY_END}};
  std::string events = key(KEY_LEFTCTRL, 1) + key(KEY_END, 1);
  ASSERT_EQ(::write(write_end.get(), events.data(), events.size()),
            static_cast<ssize_t>(events.size()));
  write_end = UniqueFd();
  EXPECT_TRUE(watcher.read_events());
}

}  // namespace
}  // namespace vfg
