#include "host/device_holders.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

const PciAddress kGpu = *PciAddress::parse("0000:03:00.0");
const PciAddress kAudio = *PciAddress::parse("0000:03:00.1");

/// A card whose display function has a DRM card, a render node and fb0, and
/// whose audio function has ALSA card 1.
struct HeldCard {
  testing::TempDir tree;
  HeldCard() {
    std::string gpu = "sys/bus/pci/devices/0000:03:00.0";
    tree.mkdir(gpu + "/drm/card1");
    tree.mkdir(gpu + "/drm/renderD129");
    tree.mkdir(gpu + "/graphics/fb0");
    std::string audio = "sys/bus/pci/devices/0000:03:00.1/sound/card1";
    for (std::string_view node : {"controlC1", "pcmC1D3p", "hwC1D0"})
      tree.mkdir(audio + "/" + std::string(node));
    tree.write("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  }
  void process(int pid, std::string_view comm, std::string_view fd_target,
               std::string_view maps = "") {
    std::string dir = "proc/" + std::to_string(pid);
    tree.write(dir + "/comm", std::string(comm) + "\n");
    tree.write(dir + "/maps", maps);
    if (!fd_target.empty())
      tree.symlink(dir + "/fd/5", fd_target);
    else
      tree.mkdir(dir + "/fd");
  }
  [[nodiscard]] HostRoot root() const { return HostRoot(tree.path()); }
};

TEST(DeviceHolders, NodesComeFromTheFunctionsSysfsClasses) {
  HeldCard card;
  EXPECT_EQ(function_device_nodes(card.root(), kGpu),
            (std::vector<std::string>{"/dev/dri/card1", "/dev/dri/renderD129", "/dev/fb0"}));
  EXPECT_EQ(
      function_device_nodes(card.root(), kAudio),
      (std::vector<std::string>{"/dev/snd/controlC1", "/dev/snd/hwC1D0", "/dev/snd/pcmC1D3p"}));
}

TEST(DeviceHolders, FindsOpenFilesAndMappingsButNotOthers) {
  HeldCard card;
  card.process(300, "kwin_wayland", "/dev/dri/card1");
  card.process(12, "pipewire", "/dev/snd/controlC1");
  card.process(40, "steam", "", "7f00-7f10 rw-s 00000000 00:05 12 /dev/dri/renderD129\n");
  card.process(41, "firefox", "/dev/dri/card0");  // another card
  auto gpu = device_holders(card.root(), kGpu);
  ASSERT_EQ(gpu.size(), 2U);
  EXPECT_EQ(gpu[0].pid, 40);
  EXPECT_EQ(gpu[0].node, "/dev/dri/renderD129");
  EXPECT_EQ(gpu[1].comm, "kwin_wayland");
  auto audio = device_holders(card.root(), kAudio);
  ASSERT_EQ(audio.size(), 1U);
  EXPECT_EQ(describe(audio[0]), "pid 12 pipewire (user root) has /dev/snd/controlC1 open");
}

TEST(DeviceHolders, TheFramebufferConsoleCountsOnTheCardThatHasFb0) {
  HeldCard card;
  card.tree.write("sys/class/vtconsole/vtcon0/name", "(S) dummy device\n");
  card.tree.write("sys/class/vtconsole/vtcon0/bind", "0\n");
  card.tree.write("sys/class/vtconsole/vtcon1/name", "(M) frame buffer device\n");
  card.tree.write("sys/class/vtconsole/vtcon1/bind", "1\n");
  auto holders = device_holders(card.root(), kGpu);
  ASSERT_EQ(holders.size(), 1U);
  EXPECT_EQ(holders[0].comm, "fbcon");
  card.tree.write("sys/class/vtconsole/vtcon1/bind", "0\n");
  EXPECT_TRUE(device_holders(card.root(), kGpu).empty());
}

TEST(DeviceHolders, NvidiaAddsItsOwnNodes) {
  testing::TempDir tree;
  std::string gpu = "sys/bus/pci/devices/0000:03:00.0";
  tree.mkdir("sys/bus/pci/drivers/nvidia");
  tree.symlink(gpu + "/driver", "../../drivers/nvidia");
  tree.write("proc/driver/nvidia/gpus/0000:03:00.0/information",
             "Model: \t\t NVIDIA GeForce RTX 3080\nDevice Minor: \t 1\n");
  tree.write("proc/900/comm", "nvidia-persiste\n");
  tree.write("proc/900/maps", "");
  tree.symlink("proc/900/fd/3", "/dev/nvidiactl");
  HostRoot root(tree.path());
  EXPECT_EQ(function_device_nodes(root, kGpu),
            (std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-modeset", "/dev/nvidia1"}));
  auto holders = device_holders(root, kGpu);
  ASSERT_EQ(holders.size(), 1U);
  EXPECT_EQ(holders[0].comm, "nvidia-persiste");
  EXPECT_EQ(holders[0].user, "0");  // no passwd in this tree: the number
}

}  // namespace
}  // namespace vfg
