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
#include "vm/core_split.h"
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
  CoreSplit split = split_cores(host.cpu, 1);
  EXPECT_EQ(format_cpu_list(threads_of(split.host)), "0-3,8-19");
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

// nohz_full= without isolcpus= sets CPUs aside the same way, in what `vfg
// new` writes; a set that holds no whole core leaves the usual rule (the
// host keeps core 0).
TEST(NewDefinitionHosts, NohzFullAloneAndPartialCoresFollowTheSameRule) {
  NewVmHost host = fixture_host("intel-arc");
  host.cpu.isolated.clear();
  host.cpu.nohz_full = {8, 9, 10, 11};
  auto plan = plan_new_vm({}, host, paths());
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->vcpus, 4u);  // two P-cores, two threads each
  EXPECT_NE(plan->definition.find("; on CPUs 8-11, which nohz_full= sets aside for guests; CPUs "
                                  "0-7,12-23 stay with the host\n"),
            std::string::npos)
      << plan->definition;
  host.cpu.nohz_full = {5};  // half of a P-core
  plan = plan_new_vm({}, host, paths());
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->vcpus, host.cpu.cores.size() - 1);
  EXPECT_NE(plan->definition.find("; core 0 (CPU 0, 1) stays with the host\n"), std::string::npos)
      << plan->definition;
}

// The cores `vfg new` sizes a VM for are the cores the pin plan at start
// puts its vCPUs on, and QEMU's own threads stay on the cores `vfg new` left
// to the host: on every fixture host, with the kernel setting CPUs aside in
// each way it can (nothing, whole cores, part of a core, every core, by
// isolcpus=, by nohz_full=, by both). A planner that decides by a rule of its
// own places a vCPU on a host core, refuses the VM, or leaves a core unused.
TEST(NewDefinitionHosts, TheVmNewSizesIsTheVmThePinPlanPlaces) {
  for (const char* host_name : kHosts) {
    NewVmHost fixture = fixture_host(host_name);
    const std::vector<CpuCore>& cores = fixture.cpu.cores;
    if (cores.size() < 3) continue;
    const std::vector<int>& second = cores[1].threads;
    std::vector<int> upper_half;
    for (size_t i = cores.size() / 2; i < cores.size(); ++i)
      upper_half.insert(upper_half.end(), cores[i].threads.begin(), cores[i].threads.end());
    std::vector<int> every = fixture.cpu.online;
    std::vector<int> part_of_second = {second.back()};
    struct Variant {
      const char* name;
      std::vector<int> isolated, nohz_full;
    };
    const Variant variants[] = {
        {"none", {}, {}},
        {"isolcpus= whole cores", upper_half, {}},
        {"nohz_full= whole cores", {}, upper_half},
        {"isolcpus= and a different nohz_full=", upper_half, every},
        {"isolcpus= holding part of a core", part_of_second, {}},
        {"nohz_full= holding every CPU", {}, every},
    };
    for (const Variant& variant : variants) {
      SCOPED_TRACE(std::string(host_name) + ", " + variant.name);
      NewVmHost host = fixture;
      host.cpu.isolated = variant.isolated;
      host.cpu.nohz_full = variant.nohz_full;
      NewVmRequest request;
      request.gpu = "none";
      auto plan = plan_new_vm(request, host, paths());
      ASSERT_TRUE(plan) << plan.error().message;
      CoreSplit split = split_cores(host.cpu, plan->config.cpu.host_cores);
      std::set<const CpuCore*> guest(split.guest.begin(), split.guest.end());
      ASSERT_FALSE(guest.empty());
      // cpu.pin = "auto" pins only a VM that passes a GPU: give this one a card.
      VmConfig config = plan->config;
      config.gpus.emplace_back();
      auto pins = plan_pinning(host.cpu, config, {});
      ASSERT_TRUE(pins) << pins.error().message;
      ASSERT_EQ(pins->vcpu_cpus.size(), plan->vcpus);
      std::set<const CpuCore*> used;
      for (int cpu : pins->vcpu_cpus) used.insert(host.cpu.core_of(cpu));
      EXPECT_EQ(format_cpu_list(threads_of({used.begin(), used.end()})),
                format_cpu_list(threads_of(split.guest)))
          << "vCPUs on CPUs " << format_cpu_list(pins->vcpu_cpus);
      for (int cpu : pins->emulator_cpus)
        EXPECT_FALSE(guest.contains(host.cpu.core_of(cpu))) << "QEMU's threads on CPU " << cpu;
    }
  }
}

}  // namespace
}  // namespace vfg
