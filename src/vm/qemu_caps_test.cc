#include "vm/qemu_caps.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

TEST(QemuCaps, ParsesVersionsAndAliases) {
  auto caps = parse_qemu_version(
      "QEMU emulator version 8.1.3 (Debian 1:8.1.3+ds-1)\nCopyright (c) 2003-2023\n");
  ASSERT_TRUE(caps);
  EXPECT_EQ(caps->version, "8.1.3");
  EXPECT_TRUE(caps->run_with);
  EXPECT_TRUE(caps->at_least(8, 1));
  EXPECT_FALSE(caps->at_least(8, 2));
  EXPECT_FALSE(parse_qemu_version("garbage"));
  EXPECT_EQ(parse_q35_alias("pc   Standard PC (alias of pc-i440fx-9.0)\n"
                            "q35                  Standard PC (Q35 + ICH9, 2009) (alias of "
                            "pc-q35-9.0)\n"),
            "pc-q35-9.0");
  EXPECT_EQ(parse_q35_alias("pc-q35-7.2  Standard PC\n"), std::nullopt);
  EXPECT_EQ(parse_audio_drivers("Available audio drivers:\nnone\npa\npipewire\n"),
            (std::vector<std::string>{"none", "pa", "pipewire"}));
}

// The QEMU installed here (Debian 12: 7.2) is probed for real.
TEST(QemuCaps, ProbesTheInstalledQemu) {
  auto caps = probe_qemu();
  ASSERT_TRUE(caps) << caps.error().message;
  EXPECT_EQ(caps->major, 7);
  EXPECT_EQ(caps->minor, 2);
  EXPECT_EQ(caps->q35_machine, "pc-q35-7.2");
  EXPECT_TRUE(caps->audiodev_pa);
  EXPECT_FALSE(caps->audiodev_pipewire);  // 8.1+
  EXPECT_FALSE(caps->run_with);
  EXPECT_TRUE(caps->usb_host);
  EXPECT_TRUE(caps->ivshmem);
  EXPECT_TRUE(caps->spice);
  EXPECT_NE(caps->binary.find('/'), std::string::npos);
  // The second probe comes from the cache and says the same.
  auto again = probe_qemu();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->version, caps->version);
  EXPECT_FALSE(probe_qemu("qemu-system-does-not-exist"));
}

}  // namespace
}  // namespace vfg
