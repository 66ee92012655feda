#include <gtest/gtest.h>

#include "vm/config_loader.h"
#include "vm/config_writer.h"

namespace vfg {
namespace {

constexpr std::string_view kCard = R"(
[[gpu]]
address = "0000:01:00.0"
binding = "start"
)";

std::string problems(const std::string& text) {
  return parse_vm_config(text, "vm.toml", "vm").diagnostics.render();
}

TEST(SingleGpuConfig, ReadsTheSectionAndWritesItBack) {
  std::string text = std::string(kCard) + R"(
[single_gpu]
enabled = true
keyboard = "/dev/input/by-id/usb-Cherry-event-kbd"
chord = "rightctrl+pause"
take_timeout = 45
)";
  ConfigParse parse = parse_vm_config(text, "vm.toml", "vm");
  ASSERT_EQ(parse.diagnostics.render(), "");
  const SingleGpuConfig& single = parse.config.single_gpu;
  EXPECT_TRUE(single.enabled);
  EXPECT_EQ(single.keyboard, "/dev/input/by-id/usb-Cherry-event-kbd");
  EXPECT_EQ(single.chord, "rightctrl+pause");
  EXPECT_EQ(single.take_timeout, 45u);
  ConfigParse again = parse_vm_config(write_vm_config(parse.config, {}), "vm.toml", "vm");
  ASSERT_EQ(again.diagnostics.render(), "");
  EXPECT_EQ(again.config.single_gpu.chord, "rightctrl+pause");
  EXPECT_EQ(again.config.single_gpu.take_timeout, 45u);
  EXPECT_EQ(again.config.single_gpu.keyboard, single.keyboard);
}

TEST(SingleGpuConfig, TheCardMustComeBackAndBeTheOnlyOne) {
  EXPECT_NE(problems("[[gpu]]\naddress = \"0000:01:00.0\"\n[single_gpu]\nenabled = true\n")
                .find("add binding = \"start\""),
            std::string::npos);
  EXPECT_NE(problems("[single_gpu]\nenabled = true\n").find("has 0 [[gpu]] entries"),
            std::string::npos);
}

TEST(SingleGpuConfig, TheChordsKeyboardStaysWithTheHost) {
  std::string text = std::string(kCard) + R"(
[[input]]
evdev = "/dev/input/by-id/kbd-event-kbd"

[single_gpu]
enabled = true
keyboard = "/dev/input/by-id/kbd-event-kbd"
)";
  std::string found = problems(text);
  EXPECT_NE(found.find("vm.toml:"), std::string::npos) << found;
  EXPECT_NE(found.find("is also input[0]"), std::string::npos) << found;
}

TEST(SingleGpuConfig, RefusesABadChordAndAKeyboardOutsideDevInput) {
  std::string text = std::string(kCard) + R"(
[single_gpu]
enabled = true
keyboard = "/etc/shadow"
chord = "leftctrl+hyper"
take_timeout = 2
)";
  std::string found = problems(text);
  EXPECT_NE(found.find("single_gpu.keyboard"), std::string::npos) << found;
  EXPECT_NE(found.find("'hyper' is not a key"), std::string::npos) << found;
  EXPECT_NE(found.find("take_timeout"), std::string::npos) << found;
}

}  // namespace
}  // namespace vfg
