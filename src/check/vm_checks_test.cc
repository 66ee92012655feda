#include "check/vm_checks.h"

#include <gtest/gtest.h>

namespace vfg::check {
namespace {

SystemState alice_host() {
  SystemState state;
  state.cpu_vendor = "AuthenticAMD";
  state.cpu_svm = true;
  state.kvm = NodeInfo{"/dev/kvm", true, 'c', 0660, 0, 104, 0};
  state.identity = Identity{1000, "alice", 1000, {1000, 104}};
  state.groups = {{"root", 0, {}},
                  {"disk", 6, {}},
                  {"kvm", 104, {"alice"}},
                  {"input", 105, {}},
                  {"alice", 1000, {}}};
  state.process_memlock = {8 * kMiB, 8 * kMiB};
  return state;
}

VmConfig gaming_vm() {
  VmConfig config;
  config.name = "win11";
  config.memory.size = 16 * kGiB;
  GpuConfig gpu;
  gpu.address = "0000:01:00.0";
  config.gpus.push_back(gpu);
  return config;
}

// A plan that writes one file per need (the real paths and contents are
// compared against setup's generators in tests/check/check_setup_agree_test.cc).
SetupExpectations known_setup() {
  SetupExpectations setup;
  setup.known = true;
  setup.files = {
      {"/etc/security/limits.d/95-vfg-memlock.conf", "limits\n", false, NeedKind::kMemlock},
      {"/etc/modprobe.d/vfg-kvmfr.conf", "options\n", false, NeedKind::kKvmfrModule},
      {"/etc/udev/rules.d/99-vfg-passthrough.rules", "rules\n", false, NeedKind::kDeviceAccess},
      {"/etc/udev/rules.d/70-vfg-kvmfr.rules", "kvmfr\n", false, NeedKind::kKvmfrAccess}};
  return setup;
}

SetupExpectations in_place(SetupExpectations setup) {
  for (auto& file : setup.files) file.in_place = true;
  return setup;
}

TEST(VmAccel, KvmOrNamedTcg) {
  VmConfig config = gaming_vm();
  SystemState state = alice_host();
  EXPECT_EQ(check_vm_accel(config, state).title, "runs with KVM");
  state.cpu_svm = false;
  Finding tcg = check_vm_accel(config, state);
  EXPECT_EQ(tcg.status, Status::kWarn);
  EXPECT_EQ(tcg.title, "runs with TCG (software emulation): KVM cannot run guests here");
  config.accel = Accel::kKvm;
  Finding insist = check_vm_accel(config, state);
  EXPECT_EQ(insist.status, Status::kFail);
  EXPECT_EQ(insist.fix, "fix KVM (see kvm.usable), or set accel = \"auto\" to fall back to TCG");
}

TEST(VmMemlock, NeedIsRamPlusLookingGlassPlusOneGiB) {
  VmConfig config = gaming_vm();
  config.looking_glass.enabled = true;
  config.looking_glass.size = 64 * kMiB;
  EXPECT_EQ(config.locked_memory_need().bytes, 17 * kGiB + 64 * kMiB);
  config.looking_glass.enabled = false;
  config.memory.lock = true;
  EXPECT_EQ(config.locked_memory_need().bytes, 33 * kGiB);
  // mlock alone charges the RAM once: 9 GiB for an 8 GiB VM without a GPU.
  config.gpus.clear();
  config.memory.size = 8 * kGiB;
  EXPECT_EQ(config.locked_memory_need().bytes, 9 * kGiB);
  EXPECT_EQ(config.locked_memory_need().formula, "RAM + 1 GiB");
  config.memory.lock = false;
  EXPECT_EQ(config.locked_memory_need().bytes, 0u);
}

TEST(VmMemlock, PassesWithEnoughAndFailsWithTheDefault) {
  VmConfig config = gaming_vm();
  config.looking_glass.enabled = true;
  config.looking_glass.size = 32 * kMiB;
  SystemState state = alice_host();
  auto bad = check_vm_memlock(config, state, {});
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].detail,
            "needs 17.0 GiB (16 GiB RAM + 32 MiB Looking Glass + 1 GiB); this process may lock "
            "8 MiB (hard 8 MiB)");
  EXPECT_EQ(bad[0].fix,
            "raise the memlock limit of alice to 17858560 KiB (limits.conf), then log out and "
            "back in");
  EXPECT_TRUE(bad[0].files.empty());
  auto known = check_vm_memlock(config, state, known_setup());
  EXPECT_EQ(known[0].fix,
            "run `vfg setup` (memlock limit: /etc/security/limits.d/95-vfg-memlock.conf), then "
            "log out and back in");
  ASSERT_EQ(known[0].files.size(), 1u);
  EXPECT_EQ(known[0].files[0].contents, "limits\n");
  // Written but not read yet: only a new login is missing, yet this session
  // cannot start the VM, so vfg start must refuse.
  auto written = check_vm_memlock(config, state, in_place(known_setup()));
  EXPECT_EQ(written[0].status, Status::kFail);
  EXPECT_EQ(written[0].fix, "log out and back in");
  EXPECT_TRUE(written[0].files.empty());

  state.process_memlock = {8 * kMiB, MemlockLimit::kUnlimited};
  EXPECT_EQ(check_vm_memlock(config, state, known_setup())[0].fix,
            "run `ulimit -l 17858560` in this shell before `vfg start` (the hard limit allows "
            "it); for good: run `vfg setup` (memlock limit: "
            "/etc/security/limits.d/95-vfg-memlock.conf), then log out and back in");

  state.process_memlock = {MemlockLimit::kUnlimited, MemlockLimit::kUnlimited};
  auto ok = check_vm_memlock(config, state, {});
  EXPECT_EQ(ok[0].status, Status::kPass);
  state.user_manager_memlock = MemlockLimit{8 * kMiB, 8 * kMiB};
  EXPECT_EQ(check_vm_memlock(config, state, {})[0].status, Status::kWarn);

  state.process_memlock.reset();
  EXPECT_EQ(check_vm_memlock(config, state, {})[0].title,
            "memlock limit unknown: the tree has no /proc/self/limits");

  config.gpus.clear();
  EXPECT_TRUE(check_vm_memlock(config, state, {}).empty());
}

TEST(VmHugepages, FreePoolAgainstNeed) {
  VmConfig config = gaming_vm();
  SystemState state = alice_host();
  EXPECT_TRUE(check_vm_hugepages(config, state).empty());
  config.memory.hugepages = HugePages::k2M;
  state.hugepages = {{2 * kMiB, 8192, 8192}, {kGiB, 0, 0}};
  auto ok = check_vm_hugepages(config, state);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].status, Status::kPass);
  state.hugepages[0].free = 100;
  auto bad = check_vm_hugepages(config, state);
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].detail, "needs 8192 pages of 2 MiB; the pool has 100 free of 8192");
  EXPECT_EQ(bad[0].fix,
            "echo 16284 | sudo tee /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
  config.memory.hugepages = HugePages::k1G;
  EXPECT_EQ(check_vm_hugepages(config, state)[0].fix,
            "echo 16 | sudo tee /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages (1 GiB "
            "pages are best reserved at boot: hugepagesz=1G hugepages=N)");
}

TEST(VmLookingGlass, KvmfrMustBeACharacterDevice) {
  VmConfig config = gaming_vm();
  config.looking_glass.enabled = true;
  SystemState state = alice_host();
  config.looking_glass.size = 32 * kMiB;
  VmResourceFacts facts;
  facts.looking_glass_node = NodeInfo{"/dev/kvmfr0", true, 'c', 0660, 0, 104, 0};
  auto ok = check_vm_looking_glass(config, state, facts, {});
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].status, Status::kPass);

  facts.looking_glass_node.type = 'f';
  auto file = check_vm_looking_glass(config, state, facts, {});
  EXPECT_EQ(file[0].status, Status::kFail);
  EXPECT_EQ(file[0].title, "/dev/kvmfr0 is a regular file, not the kvmfr device");
  EXPECT_EQ(file[0].fix, "sudo rm /dev/kvmfr0 && sudo modprobe kvmfr static_size_mb=32");

  facts.looking_glass_node.exists = false;
  EXPECT_EQ(check_vm_looking_glass(config, state, facts, known_setup())[0].fix,
            "run `vfg setup` (kvmfr module: /etc/modprobe.d/vfg-kvmfr.conf), then reboot (or "
            "sudo modprobe kvmfr static_size_mb=32)");
  EXPECT_EQ(check_vm_looking_glass(config, state, facts, in_place(known_setup()))[0].fix,
            "sudo modprobe kvmfr static_size_mb=32");

  facts.looking_glass_node = NodeInfo{"/dev/kvmfr0", true, 'c', 0600, 0, 0, 0};
  EXPECT_EQ(check_vm_looking_glass(config, state, facts, {})[0].fix,
            "give alice read-write access to it with a udev rule");
  auto rule = check_vm_looking_glass(config, state, facts, known_setup());
  EXPECT_EQ(rule[0].fix,
            "run `vfg setup` (udev rule for kvmfr: /etc/udev/rules.d/70-vfg-kvmfr.rules)");
  ASSERT_EQ(rule[0].files.size(), 1u);
  EXPECT_EQ(rule[0].files[0].path, "/etc/udev/rules.d/70-vfg-kvmfr.rules");
  EXPECT_EQ(check_vm_looking_glass(config, state, facts, in_place(known_setup()))[0].status,
            Status::kWarn);
}

TEST(VmLookingGlass, ShmFileOwnerModeAndSize) {
  VmConfig config = gaming_vm();
  config.looking_glass.enabled = true;
  config.looking_glass.backend = LookingGlassConfig::Backend::kShm;
  config.looking_glass.size = 32 * kMiB;
  SystemState state = alice_host();
  VmResourceFacts facts;
  facts.looking_glass_node =
      NodeInfo{"/dev/shm/looking-glass", true, 'f', 0660, 1000, 104, 32 * kMiB};
  EXPECT_EQ(check_vm_looking_glass(config, state, facts, {})[0].status, Status::kPass);
  facts.looking_glass_node.size = 64 * kMiB;
  auto size = check_vm_looking_glass(config, state, facts, {});
  EXPECT_EQ(size[0].status, Status::kFail);
  EXPECT_EQ(size[0].title, "/dev/shm/looking-glass holds 64 MiB, the VM maps 32 MiB");
  EXPECT_EQ(size[0].fix, "rm /dev/shm/looking-glass");
  // Another user's file: its owner can read the guest's screen, so it goes.
  facts.looking_glass_node = NodeInfo{"/dev/shm/looking-glass", true, 'f', 0666, 1001, 1001, 0};
  auto owner = check_vm_looking_glass(config, state, facts, {});
  EXPECT_EQ(owner[0].status, Status::kFail);
  EXPECT_EQ(owner[0].title, "/dev/shm/looking-glass is not owned by alice");
  EXPECT_EQ(owner[0].fix, "sudo rm /dev/shm/looking-glass");
  // The user's own file, readable by everyone (as QEMU used to create it).
  facts.looking_glass_node = NodeInfo{"/dev/shm/looking-glass", true, 'f', 0644, 1000, 1000, 0};
  auto world = check_vm_looking_glass(config, state, facts, {});
  EXPECT_EQ(world[0].status, Status::kFail);
  EXPECT_EQ(world[0].title, "/dev/shm/looking-glass is readable by every local user");
  EXPECT_EQ(world[0].fix, "chmod 0640 /dev/shm/looking-glass");
  // A symlink is never followed, wherever it points.
  facts.looking_glass_node = NodeInfo{"/dev/shm/looking-glass", true, 'l', 0777, 1000, 1000, 0};
  auto link = check_vm_looking_glass(config, state, facts, {});
  EXPECT_EQ(link[0].status, Status::kFail);
  EXPECT_EQ(link[0].title, "/dev/shm/looking-glass is a symlink; vfg does not follow one there");
  facts.looking_glass_node.exists = false;
  EXPECT_EQ(check_vm_looking_glass(config, state, facts, {})[0].status, Status::kPass);
}

TEST(VmDisks, BlockDeviceAccess) {
  VmConfig config = gaming_vm();
  DiskConfig disk;
  disk.path = "/dev/disk/by-id/nvme-Samsung_980_S1";
  config.disks.push_back(disk);
  SystemState state = alice_host();
  VmResourceFacts facts;
  facts.disks = {NodeInfo{disk.path, true, 'b', 0660, 1000, 6, 0}};
  auto ok = check_vm_disks(config, state, facts, {});
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].status, Status::kPass);
  facts.disks[0].uid = 0;
  auto bad = check_vm_disks(config, state, facts, {});
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].title,
            "/dev/disk/by-id/nvme-Samsung_980_S1 is not readable and writable by alice");
  EXPECT_EQ(bad[0].fix, "sudo usermod -aG disk alice, then log out and back in");
  facts.disks[0].mode = 0600;
  EXPECT_EQ(check_vm_disks(config, state, facts, known_setup())[0].fix,
            "run `vfg setup` (udev rule giving alice this disk: "
            "/etc/udev/rules.d/99-vfg-passthrough.rules)");
  facts.disks[0].exists = false;
  EXPECT_EQ(check_vm_disks(config, state, facts, {})[0].fix,
            "check the path with `ls -l /dev/disk/by-id/`");
}

TEST(VmInputs, EvdevNeedsTheInputGroup) {
  VmConfig config = gaming_vm();
  config.inputs.push_back(
      InputConfig{"/dev/input/by-id/usb-kbd-event-kbd", true, true, "ctrl-ctrl"});
  SystemState state = alice_host();
  VmResourceFacts facts;
  facts.inputs = {NodeInfo{config.inputs[0].evdev, true, 'c', 0660, 0, 105, 0}};
  auto bad = check_vm_inputs(config, state, facts);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].fix, "sudo usermod -aG input alice, then log out and back in");
  state.identity.process_gids.push_back(105);
  EXPECT_EQ(check_vm_inputs(config, state, facts)[0].status, Status::kPass);
}

}  // namespace
}  // namespace vfg::check
