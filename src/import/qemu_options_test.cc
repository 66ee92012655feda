#include "import/qemu_options.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

TEST(QemuOptions, LegacyListsHaveImpliedKeysFlagsAndDoubledCommas) {
  auto options = parse_qemu_options({"-enable-kvm", "-device",
                                     "vfio-pci,host=01:00.0,romfile=/a,,b.rom,x-vga=on", "-cpu",
                                     "host,kvm=off,+topoext,-hypervisor,hv_relaxed", "disk.img"});
  ASSERT_EQ(options.size(), 4u);
  EXPECT_EQ(options[0].name, "enable-kvm");
  EXPECT_FALSE(options[0].has_value);
  EXPECT_EQ(options[1].properties.get("driver"), "vfio-pci");
  EXPECT_EQ(options[1].properties.get("romfile"), "/a,b.rom");
  EXPECT_EQ(options[2].properties.get("model"), "host");
  EXPECT_EQ(options[2].properties.get("topoext"), "on");
  EXPECT_EQ(options[2].properties.get("hypervisor"), "off");
  EXPECT_EQ(options[2].properties.get("hv_relaxed"), "on");
  EXPECT_EQ(options[3].name, "");
  EXPECT_EQ(options[3].properties.get("file"), "disk.img");
}

TEST(QemuOptions, JsonValuesAreFlattened) {
  auto p = parse_qemu_properties(
      R"({"driver":"qcow2","node-name":"d0","file":{"driver":"file","filename":"/a.qcow2"},"read-only":true,"hostfwd":[{"str":"tcp::1-:1"},{"str":"tcp::2-:2"}]})",
      "driver");
  EXPECT_TRUE(p.json);
  EXPECT_EQ(p.get("file.filename"), "/a.qcow2");
  EXPECT_EQ(p.get("read-only"), "on");
  int forwards = 0;
  for (const auto& [key, value] : p.items) forwards += key == "hostfwd" ? 1 : 0;
  EXPECT_EQ(forwards, 2);
}

TEST(QemuOptions, TheLastValueOfAKeyWins) {
  auto p = parse_qemu_properties("size=1G,size=2G", "size");
  EXPECT_EQ(p.get("size"), "2G");
  EXPECT_EQ(qemu_bool("yes"), true);
  EXPECT_EQ(qemu_bool("off"), false);
  EXPECT_EQ(qemu_bool("0x1fff"), std::nullopt);
}

}  // namespace
}  // namespace vfg
