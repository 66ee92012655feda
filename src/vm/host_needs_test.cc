#include "vm/host_needs.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

VmConfig gaming_vm() {
  VmConfig config;
  config.name = "win11";
  config.memory.size = 16 * kGiB;
  config.memory.hugepages = HugePages::k1G;
  config.gpus.emplace_back().address = "0000:01:00.0";
  config.looking_glass.enabled = true;
  config.looking_glass.width = 2560;
  config.looking_glass.height = 1440;
  DiskConfig image, partition, cdrom;
  image.path = "/home/alice/win11.qcow2";
  partition.path = "/dev/disk/by-partuuid/6c1b2f4e-02";
  cdrom.path = "/dev/sr0";
  cdrom.media = DiskMedia::kCdrom;
  config.disks = {image, partition, cdrom};
  config.usb.push_back({3, "1.4", 0, 0});
  config.inputs.emplace_back().evdev = "/dev/input/by-id/kbd-event-kbd";
  config.audio.backend = AudioBackend::kPipewire;
  config.tpm = true;
  return config;
}

TEST(HostNeeds, EverythingAVmNeedsFromItsDefinition) {
  HostNeeds needs = host_needs(gaming_vm());
  EXPECT_EQ(needs.vm, "win11");
  ASSERT_EQ(needs.bindings.size(), 1u);
  EXPECT_EQ(needs.bindings[0].address, "0000:01:00.0");
  EXPECT_TRUE(needs.bindings[0].whole_card);
  // 1440p: 64 MiB of Looking Glass memory on /dev/kvmfr0, kvmfr sized to match.
  EXPECT_EQ(needs.looking_glass_bytes, 64 * kMiB);
  EXPECT_EQ(needs.looking_glass_path, "/dev/kvmfr0");
  ASSERT_EQ(needs.modules.size(), 1u);
  EXPECT_EQ(needs.modules[0].name, "kvmfr");
  EXPECT_EQ(needs.modules[0].options, std::vector<std::string>{"static_size_mb=64"});
  EXPECT_EQ(needs.memlock.bytes, 16 * kGiB + 64 * kMiB + kGiB);
  EXPECT_EQ(needs.memlock.formula, "RAM + Looking Glass + 1 GiB");
  EXPECT_EQ(needs.hugepage_size, HugePages::k1G);
  EXPECT_EQ(needs.hugepages, 16u);
  EXPECT_EQ(needs.files, std::vector<std::string>{"/home/alice/win11.qcow2"});
  EXPECT_TRUE(needs.swtpm);

  ASSERT_EQ(needs.nodes_of(DeviceNodeNeed::Kind::kVfio).size(), 1u);
  auto disks = needs.nodes_of(DeviceNodeNeed::Kind::kDisk);
  ASSERT_EQ(disks.size(), 2u);
  EXPECT_EQ(disks[0]->path, "/dev/disk/by-partuuid/6c1b2f4e-02");
  EXPECT_TRUE(disks[0]->write);
  EXPECT_EQ(disks[0]->index, 1u);
  EXPECT_FALSE(disks[1]->write);  // a CD-ROM is read only
  auto usb = needs.nodes_of(DeviceNodeNeed::Kind::kUsb);
  ASSERT_EQ(usb.size(), 1u);
  EXPECT_EQ(usb[0]->usb.hostport, "1.4");
  auto inputs = needs.nodes_of(DeviceNodeNeed::Kind::kInput);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_FALSE(inputs[0]->write);
  auto kvmfr = needs.nodes_of(DeviceNodeNeed::Kind::kKvmfr);
  ASSERT_EQ(kvmfr.size(), 1u);
  EXPECT_TRUE(kvmfr[0]->client_opens);

  EXPECT_TRUE(needs.needs(QemuAbility::kAudioPipewire));
  EXPECT_TRUE(needs.needs(QemuAbility::kIvshmem));
  EXPECT_TRUE(needs.needs(QemuAbility::kSpice));
  EXPECT_TRUE(needs.needs(QemuAbility::kUsbHost));
  EXPECT_FALSE(needs.needs(QemuAbility::kAudioPulse));
}

TEST(HostNeeds, APlainVmNeedsLittle) {
  VmConfig config;
  config.name = "plain";
  HostNeeds needs = host_needs(config);
  EXPECT_TRUE(needs.nodes.empty());
  EXPECT_TRUE(needs.modules.empty());
  EXPECT_TRUE(needs.bindings.empty());
  EXPECT_EQ(needs.memlock.bytes, 0u);
  EXPECT_EQ(needs.hugepages, 0u);
  EXPECT_FALSE(needs.swtpm);
}

TEST(HostNeeds, TheLaunchPlanResolvesFunctionsAndAudio) {
  VmConfig config = gaming_vm();
  config.audio.backend = AudioBackend::kAuto;
  LaunchPlan plan;
  plan.gpu_functions = {{"0000:01:00.0", "0000:01:00.1"}};
  plan.audio = AudioBackend::kPulseaudio;
  HostNeeds needs = host_needs(config, plan);
  ASSERT_EQ(needs.bindings.size(), 2u);
  EXPECT_EQ(needs.bindings[1].address, "0000:01:00.1");
  EXPECT_FALSE(needs.bindings[0].whole_card);
  EXPECT_TRUE(needs.needs(QemuAbility::kAudioPulse));
  EXPECT_FALSE(needs.needs(QemuAbility::kAudioPipewire));
}

TEST(LookingGlassConfig, EffectiveSizeAndMemoryPath) {
  LookingGlassConfig lg;
  EXPECT_EQ(lg.effective_size(), 32 * kMiB);  // 1080p
  lg.size = 128 * kMiB;
  EXPECT_EQ(lg.effective_size(), 128 * kMiB);
  EXPECT_EQ(lg.memory_path(), "/dev/kvmfr0");
  lg.backend = LookingGlassConfig::Backend::kShm;
  EXPECT_EQ(lg.memory_path(), "/dev/shm/looking-glass");
}

}  // namespace
}  // namespace vfg
