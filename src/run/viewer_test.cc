#include "run/viewer.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

std::optional<std::string> both(std::string_view program) {
  return "/usr/bin/" + std::string(program);
}
std::optional<std::string> viewer_only(std::string_view program) {
  if (program == "remote-viewer") return "/usr/bin/remote-viewer";
  return std::nullopt;
}
std::optional<std::string> none(std::string_view) { return std::nullopt; }

VmPaths demo_paths() {
  XdgDirs dirs{"/home/u/.config/vfg", "/home/u/.local/share/vfg", "/run/user/1000/vfg",
               "/home/u/.local/state/vfg"};
  return VmPaths::make(dirs, "win11");
}

VmConfig looking_glass_vm() {
  VmConfig config;
  config.name = "win11";
  config.looking_glass.enabled = true;
  return config;
}

TEST(Viewer, LookingGlassGetsTheShmDeviceAndTheSpiceSocket) {
  auto choice = choose_viewer(looking_glass_vm(), demo_paths(), &both);
  ASSERT_TRUE(choice) << choice.error().message;
  EXPECT_EQ(choice->argv,
            (std::vector<std::string>{"/usr/bin/looking-glass-client", "-f", "/dev/kvmfr0", "-c",
                                      "/run/user/1000/vfg/win11/spice.sock", "-p", "0"}));
  VmConfig shm = looking_glass_vm();
  shm.looking_glass.backend = LookingGlassConfig::Backend::kShm;
  shm.display.spice_socket = "/tmp/other.sock";
  choice = choose_viewer(shm, demo_paths(), &both);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->argv[2], "/dev/shm/looking-glass");
  EXPECT_EQ(choice->argv[4], "/tmp/other.sock");
}

TEST(Viewer, FallsBackToASpiceViewer) {
  auto choice = choose_viewer(looking_glass_vm(), demo_paths(), &viewer_only);
  ASSERT_TRUE(choice) << choice.error().message;
  EXPECT_EQ(choice->argv,
            (std::vector<std::string>{"/usr/bin/remote-viewer",
                                      "spice+unix:///run/user/1000/vfg/win11/spice.sock"}));
  ASSERT_EQ(choice->notes.size(), 1U);
  EXPECT_NE(choice->notes[0].find("looking-glass-client is not installed"), std::string::npos);
}

TEST(Viewer, SaysWhatToInstall) {
  auto choice = choose_viewer(looking_glass_vm(), demo_paths(), &none);
  ASSERT_FALSE(choice);
  EXPECT_EQ(
      choice.error().message,
      "no viewer for VM 'win11': neither looking-glass-client nor remote-viewer is installed");
  EXPECT_NE(viewer_install_hint(looking_glass_vm()).find("apt install virt-viewer"),
            std::string::npos);
}

TEST(Viewer, NoDisplayNoViewer) {
  VmConfig config;
  config.name = "headless";
  auto choice = choose_viewer(config, demo_paths(), &both);
  ASSERT_FALSE(choice);
  EXPECT_NE(choice.error().message.find("has no display"), std::string::npos);
}

}  // namespace
}  // namespace vfg
