#include "host/display_takeover.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

/// A host whose framebuffer console and EFI framebuffer are bound, with the
/// card at 0000:01:00.0 drawing fb0. Sysfs attributes are plain files here.
struct Display {
  testing::TempDir tree;
  Display() {
    tree.write("sys/class/vtconsole/vtcon0/name", "(S) dummy device\n");
    tree.write("sys/class/vtconsole/vtcon0/bind", "0\n");
    tree.write("sys/class/vtconsole/vtcon1/name", "(M) frame buffer device\n");
    tree.write("sys/class/vtconsole/vtcon1/bind", "1\n");
    tree.write("sys/bus/platform/drivers/efi-framebuffer/unbind", "");
    tree.write("sys/bus/platform/drivers/efi-framebuffer/bind", "");
    tree.symlink("sys/bus/platform/drivers/efi-framebuffer/efi-framebuffer.0",
                 "../../../../devices/platform/efi-framebuffer.0");
    tree.mkdir("sys/devices/platform/efi-framebuffer.0");
    tree.mkdir("sys/bus/pci/devices/0000:01:00.0/graphics/fb0");
  }
  [[nodiscard]] HostRoot root() const { return HostRoot(tree.path()); }
};

/// An attribute as the kernel shows it: what was written over the start of the file.
std::string attr(const testing::TempDir& tree, std::string_view path) {
  std::string text = tree.read(path);
  return text.substr(0, text.find('\n'));
}

DisplayStepOptions quiet() {
  DisplayStepOptions options;
  options.log = [](const std::string&) {};
  return options;
}

TEST(DisplayTakeover, PlansTheBoundConsoleAndFirmwareFramebuffer) {
  Display host;
  DisplayTakeover takeover = plan_display_takeover(host.root(), "0000:01:00.0", true);
  EXPECT_TRUE(takeover.display_manager);
  EXPECT_EQ(takeover.vtconsoles, std::vector<std::string>{"vtcon1"});
  EXPECT_EQ(takeover.framebuffers, std::vector<std::string>{"efi-framebuffer/efi-framebuffer.0"});
}

TEST(DisplayTakeover, ReleasesAndRestoresByWritingTheKernelsAttributes) {
  Display host;
  DisplayTakeover takeover = plan_display_takeover(host.root(), "0000:01:00.0", false);
  ASSERT_TRUE(release_consoles(host.root(), takeover, quiet()));
  EXPECT_EQ(attr(host.tree, "sys/class/vtconsole/vtcon1/bind"), "0");
  EXPECT_EQ(host.tree.read("sys/bus/platform/drivers/efi-framebuffer/unbind"), "efi-framebuffer.0");
  // The kernel would drop the link at the unbind; the restore binds it again.
  std::filesystem::remove(host.tree / "sys/bus/platform/drivers/efi-framebuffer/efi-framebuffer.0");
  auto missing = restore_consoles(host.root(), takeover, quiet());
  EXPECT_EQ(attr(host.tree, "sys/class/vtconsole/vtcon1/bind"), "1");
  EXPECT_EQ(host.tree.read("sys/bus/platform/drivers/efi-framebuffer/bind"), "efi-framebuffer.0");
  // A plain file does not make the link come back: reported, not assumed.
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].find("efi-framebuffer.0 is not bound again"), std::string::npos);
}

TEST(DisplayTakeover, TheRecordRoundTripsAndIsRemoved) {
  Display host;
  host.tree.mkdir("run/vfg-single-gpu");
  DisplayTakeover takeover = plan_display_takeover(host.root(), "0000:01:00.0", true);
  takeover.consoles_on_card = {0, 1, 5};
  ASSERT_TRUE(write_takeover(host.root(), "alice:win11", takeover));
  auto read = read_takeover(host.root(), "alice:win11");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->card, "0000:01:00.0");
  EXPECT_EQ(read->consoles_on_card, (std::vector<int>{0, 1, 5}));
  EXPECT_EQ(read->vtconsoles, takeover.vtconsoles);
  remove_takeover(host.root(), "alice:win11");
  EXPECT_FALSE(read_takeover(host.root(), "alice:win11"));
}

TEST(DisplayTakeover, ADamagedRecordIsNotOne) {
  Display host;
  host.tree.write("run/vfg-single-gpu/alice:win11.json", R"({"card": 1.5e300})");
  EXPECT_FALSE(read_takeover(host.root(), "alice:win11"));
}

}  // namespace
}  // namespace vfg
