// `vfg new`'s choices on the fixture hosts, through the library: what it
// writes loads back as the value it decided (one writer of definitions), and
// the vCPUs it picks leave the host the cores the kernel keeps for it.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "host/hardware.h"
#include "host/memory.h"
#include "run/tuning/pin_plan.h"
#include "support/run_vfg.h"
#include "vm/config_loader.h"
#include "vm/config_writer.h"
#include "vm/new_definition.h"

namespace vfg {
namespace {

const char* const kHosts[] = {
    "amd-apu-dgpu",      "amd-navi",      "chipset-group", "hybrid-laptop",      "intel-arc",
    "intel-igpu-nvidia", "nvidia-turing", "server-bmc",    "two-identical-gpus", "vmd"};

NewVmHost fixture_host(const std::string& name) {
  HostRoot root(testing::source_path("tests/fixtures/hosts/" + name));
  Hardware hardware = scan_hardware(root);
  return {hardware.gpus, hardware.disks, hardware.cpu,
          hardware.usb,  hardware.input, read_memory_total(root)};
}

VmPaths paths() {
  return VmPaths::make({"/c/vfg", "/d/vfg", "/run/user/1000/vfg", "/s/vfg"}, "vm");
}

TEST(NewDefinitionHosts, WhatNewWritesLoadsBackAsTheValueItDecided) {
  NewVmRequest windows;
  windows.iso = "/isos/Win11.iso";
  windows.virtio_iso = "/isos/virtio-win.iso";
  windows.looking_glass = true;
  NewVmRequest linux_guest;
  linux_guest.os = GuestOs::kLinux;
  linux_guest.gpu = "none";
  NewVmRequest bare;  // Windows without driver ISO: SATA, e1000e
  for (const char* host_name : kHosts) {
    NewVmHost host = fixture_host(host_name);
    for (const NewVmRequest* request : {&windows, &linux_guest, &bare}) {
      SCOPED_TRACE(std::string(host_name) + " os " + std::to_string(int(request->os)));
      auto plan = plan_new_vm(*request, host, paths());
      ASSERT_TRUE(plan) << plan.error().message;
      ConfigParse parse = parse_vm_config(plan->definition, "vm.toml", "vm");
      ASSERT_FALSE(parse.diagnostics.has_errors()) << parse.diagnostics.render();
      // The writer spells out every key that differs from its default, so
      // equal texts mean equal values.
      EXPECT_EQ(write_vm_config(parse.config), write_vm_config(plan->config)) << plan->definition;
      const VmConfig& loaded = parse.config;
      EXPECT_EQ(loaded.cpu.vcpus(), plan->vcpus);
      EXPECT_EQ(loaded.memory.size, plan->memory);
      EXPECT_EQ(loaded.gpus.size(), plan->gpu ? 1u : 0u);
      EXPECT_EQ(loaded.disks.size(), request == &windows ? 3u : 1u);
      bool is_windows = request->os == GuestOs::kWindows;
      EXPECT_EQ(loaded.tpm, is_windows);
      EXPECT_EQ(loaded.platform.s3, is_windows ? std::optional<bool>(false) : std::nullopt);
      EXPECT_EQ(loaded.platform.hpet, is_windows ? std::optional<bool>(false) : std::nullopt);
      // The keys a user is told about are in the file even at their default.
      EXPECT_EQ(plan->definition.find("guest_agent = false") != std::string::npos, is_windows);
    }
  }
}

// intel-arc boots with isolcpus=managed_irq,domain,4-7,20-23 and the same
// nohz_full=: two P-cores (4-5, 6-7) and four E-cores are the guest's, and
// the host keeps CPUs 0-3 and 8-19.
TEST(NewDefinitionHosts, IsolatedCpusGoToTheGuestAndTheHostKeepsItsCores) {
  NewVmHost host = fixture_host("intel-arc");
  ASSERT_EQ(format_cpu_list(host.cpu.isolated), "4-7,20-23");
  GuestCores split = split_guest_cores(host.cpu);
  std::vector<int> host_cpus;
  for (const CpuCore* core : split.host)
    host_cpus.insert(host_cpus.end(), core->threads.begin(), core->threads.end());
  std::sort(host_cpus.begin(), host_cpus.end());
  EXPECT_EQ(format_cpu_list(host_cpus), "0-3,8-19");
  EXPECT_EQ(split.guest.size(), 6u);

  auto plan = plan_new_vm({}, host, paths());
  ASSERT_TRUE(plan) << plan.error().message;
  // One vCPU per set-aside core (P-cores have two threads, E-cores one).
  EXPECT_EQ(plan->vcpus, 6u);
  EXPECT_NE(plan->definition.find("# 6 vCPUs (6 cores × 1 thread); on CPUs 4-7,20-23, which "
                                  "isolcpus= sets aside for guests; CPUs 0-3,8-19 stay with the "
                                  "host\n"),
            std::string::npos)
      << plan->definition;
  // The pin plan at start places every vCPU on an isolated CPU and QEMU's
  // own threads on the host's.
  auto pins = plan_pinning(host.cpu, plan->config, {});
  ASSERT_TRUE(pins) << pins.error().message;
  std::set<int> isolated(host.cpu.isolated.begin(), host.cpu.isolated.end());
  ASSERT_EQ(pins->vcpu_cpus.size(), 6u);
  for (int cpu : pins->vcpu_cpus) EXPECT_TRUE(isolated.count(cpu)) << cpu;
  for (int cpu : pins->emulator_cpus) EXPECT_FALSE(isolated.count(cpu)) << cpu;

  // Asking for more than the set-aside CPUs is honoured, with a warning.
  NewVmRequest more;
  more.cpus = 12;
  plan = plan_new_vm(more, host, paths());
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->vcpus, 12u);
  ASSERT_FALSE(plan->warnings.empty());
  EXPECT_NE(plan->warnings.front().find("more than the 8 CPUs"), std::string::npos)
      << plan->warnings.front();
}

// nohz_full= without isolcpus= sets CPUs aside the same way; a set that
// holds no whole core leaves the usual rule (the host keeps core 0).
TEST(NewDefinitionHosts, NohzFullAloneAndPartialCoresFollowTheSameRule) {
  NewVmHost host = fixture_host("intel-arc");
  host.cpu.isolated.clear();
  host.cpu.nohz_full = {8, 9, 10, 11};
  GuestCores split = split_guest_cores(host.cpu);
  ASSERT_EQ(split.guest.size(), 2u);
  EXPECT_EQ(split.guest[0]->threads, (std::vector<int>{8, 9}));
  EXPECT_NE(split.why.find("nohz_full="), std::string::npos) << split.why;
  host.cpu.nohz_full = {5};  // half of a P-core
  split = split_guest_cores(host.cpu);
  ASSERT_EQ(split.host.size(), 1u);
  EXPECT_EQ(split.host[0]->threads, (std::vector<int>{0, 1}));
  EXPECT_EQ(split.guest.size(), host.cpu.cores.size() - 1);
  EXPECT_EQ(split.why, "core 0 (CPU 0, 1) stays with the host");
}

}  // namespace
}  // namespace vfg
