// Golden pinning plans over host topologies written as sysfs trees the way
// the kernel lays out /sys/devices/system/cpu, read back by scan_cpu_topology.
#include "run/tuning/pin_plan.h"

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "util/strings.h"

namespace vfg {
namespace {

using testing::TempDir;

// One logical CPU as the kernel shows it.
void write_cpu(const TempDir& tree, int cpu, int core_id, const std::string& siblings,
               const std::string& l3) {
  std::string dir = fmt::format("sys/devices/system/cpu/cpu{}", cpu);
  tree.write(dir + "/topology/physical_package_id", "0\n");
  tree.write(dir + "/topology/core_id", fmt::format("{}\n", core_id));
  tree.write(dir + "/topology/thread_siblings_list", siblings + "\n");
  tree.write(dir + "/topology/core_cpus_list", siblings + "\n");
  tree.write(dir + "/cache/index3/level", "3\n");
  tree.write(dir + "/cache/index3/shared_cpu_list", l3 + "\n");
}

void write_common(const TempDir& tree, int cpus, const std::string& model,
                  const std::string& cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro") {
  std::string all = fmt::format("0-{}", cpus - 1);
  tree.write("sys/devices/system/cpu/online", all + "\n");
  tree.write("sys/devices/system/cpu/possible", all + "\n");
  tree.write("sys/devices/system/node/node0/cpulist", all + "\n");
  tree.write("proc/cpuinfo", "processor\t: 0\nvendor_id\t: x\nmodel name\t: " + model + "\n");
  tree.write("proc/cmdline", cmdline + "\n");
}

// Ryzen numbering: core c has threads c and c + cores; one L3 per CCX.
CpuTopology ryzen(const TempDir& tree, int cores, int cores_per_l3, const std::string& model,
                  const std::string& cmdline = "BOOT_IMAGE=/vmlinuz ro") {
  write_common(tree, cores * 2, model, cmdline);
  for (int core = 0; core < cores; ++core) {
    int first = core / cores_per_l3 * cores_per_l3;
    std::string l3 = fmt::format("{}-{},{}-{}", first, first + cores_per_l3 - 1, first + cores,
                                 first + cores + cores_per_l3 - 1);
    std::string siblings = fmt::format("{},{}", core, core + cores);
    write_cpu(tree, core, core, siblings, l3);
    write_cpu(tree, core + cores, core, siblings, l3);
  }
  return scan_cpu_topology(HostRoot(tree.path()));
}

// Alder Lake i9-12900K: P-cores 0-15 (siblings 2k, 2k+1), E-cores 16-23.
CpuTopology alder_lake(const TempDir& tree) {
  write_common(tree, 24, "12th Gen Intel(R) Core(TM) i9-12900K");
  for (int p = 0; p < 8; ++p) {
    std::string siblings = fmt::format("{}-{}", 2 * p, 2 * p + 1);
    write_cpu(tree, 2 * p, 4 * p, siblings, "0-23");
    write_cpu(tree, 2 * p + 1, 4 * p, siblings, "0-23");
  }
  for (int e = 0; e < 8; ++e) write_cpu(tree, 16 + e, 32 + e, std::to_string(16 + e), "0-23");
  tree.write("sys/devices/cpu_core/cpus", "0-15\n");
  tree.write("sys/devices/cpu_atom/cpus", "16-23\n");
  return scan_cpu_topology(HostRoot(tree.path()));
}

CpuTopology no_smt(const TempDir& tree, int cores) {
  write_common(tree, cores, "Intel(R) Core(TM) i5-6600K CPU @ 3.50GHz");
  for (int core = 0; core < cores; ++core)
    write_cpu(tree, core, core, std::to_string(core), fmt::format("0-{}", cores - 1));
  return scan_cpu_topology(HostRoot(tree.path()));
}

VmConfig gaming_vm(uint32_t cores, uint32_t threads) {
  VmConfig config;
  config.name = "win11";
  config.cpu.cores = cores;
  config.cpu.threads = threads;
  GpuConfig gpu;
  gpu.address = "0000:01:00.0";
  config.gpus.push_back(gpu);
  return config;
}

std::string cpus(const std::vector<int>& list) { return format_cpu_list(list); }

std::string vcpu_map(const PinPlan& plan) {
  std::vector<std::string> parts;
  for (int cpu : plan.vcpu_cpus) parts.push_back(std::to_string(cpu));
  return join(parts, " ");
}

TEST(PinPlan, Amd8CoreTwoCcxFitsInTheCcxWithoutTheHost) {
  TempDir tree;
  CpuTopology topology = ryzen(tree, 8, 4, "AMD Ryzen 7 3700X 8-Core Processor");
  ASSERT_EQ(topology.l3_groups.size(), 2u);
  auto plan = plan_pinning(topology, gaming_vm(4, 2), PinHost{true});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->enabled);
  // CCX 1 (cores 4-7): the host's core 0 lives in CCX 0.
  EXPECT_EQ(vcpu_map(*plan), "4 12 5 13 6 14 7 15");
  EXPECT_EQ(cpus(plan->emulator_cpus), "0,8");
  EXPECT_EQ(cpus(plan->iothread_cpus), "0,8");
  EXPECT_EQ(plan->guest, (GuestTopology{1, 4, 2}));
  EXPECT_TRUE(plan->topoext);
  EXPECT_TRUE(plan->notes.empty());
  EXPECT_EQ(describe_pin_plan(*plan)[1], "vCPU 0,1 → CPU 4,12");
}

TEST(PinPlan, Amd8CoreTwoCcxSpansWhenTheVmIsLarger) {
  TempDir tree;
  CpuTopology topology = ryzen(tree, 8, 4, "AMD Ryzen 7 3700X 8-Core Processor");
  auto plan = plan_pinning(topology, gaming_vm(6, 2), PinHost{true});
  ASSERT_TRUE(plan) << plan.error().message;
  // All of CCX 1, then CCX 0 minus the host's core.
  EXPECT_EQ(vcpu_map(*plan), "1 9 2 10 4 12 5 13 6 14 7 15");
  ASSERT_EQ(plan->notes.size(), 1u);
  EXPECT_EQ(plan->notes[0],
            "the vCPUs span 2 L3 cache groups (CCX/CCD): fewer vCPUs would fit in one");
}

TEST(PinPlan, AmdDualCcd16CoreStaysOnOneCcd) {
  TempDir tree;
  CpuTopology topology = ryzen(tree, 16, 8, "AMD Ryzen 9 5950X 16-Core Processor");
  auto plan = plan_pinning(topology, gaming_vm(8, 2), PinHost{true});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(vcpu_map(*plan), "8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31");
  EXPECT_EQ(cpus(plan->emulator_cpus), "0,16");
  EXPECT_EQ(plan->guest, (GuestTopology{1, 8, 2}));

  // Two host cores kept: still CCD 1 for the VM.
  VmConfig two = gaming_vm(6, 2);
  two.cpu.host_cores = 2;
  plan = plan_pinning(topology, two, PinHost{true});
  ASSERT_TRUE(plan);
  EXPECT_EQ(cpus(plan->emulator_cpus), "0-1,16-17");
  EXPECT_EQ(cpus(plan->vcpu_cpus), "8-13,24-29");
}

TEST(PinPlan, IsolatedCpusAreWhereTheVcpusGo) {
  TempDir tree;
  CpuTopology topology =
      ryzen(tree, 8, 4, "AMD Ryzen 7 3700X", "ro isolcpus=domain,managed_irq,2-7,10-15");
  ASSERT_EQ(cpus(topology.isolated), "2-7,10-15");
  auto plan = plan_pinning(topology, gaming_vm(4, 2), PinHost{true});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(vcpu_map(*plan), "4 12 5 13 6 14 7 15");
  // QEMU's own threads stay with the host, on the non-isolated cores.
  EXPECT_EQ(cpus(plan->emulator_cpus), "0,8");

  auto too_big = plan_pinning(topology, gaming_vm(7, 2), PinHost{true});
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().message,
            "14 vCPUs (1 socket × 7 cores × 2 threads) do not fit: this host has 16 online CPUs, "
            "isolcpus= leaves CPUs 2-7,10-15 to VMs, and at most 12 vCPUs fit on the rest; lower "
            "cpu.cores, set cpu.host_cores = 0, list host CPUs in cpu.pin, or set cpu.pin = "
            "\"off\"; or widen isolcpus=");
}

TEST(PinPlan, IntelHybridPrefersPerformanceCores) {
  TempDir tree;
  CpuTopology topology = alder_lake(tree);
  ASSERT_TRUE(topology.hybrid);
  auto plan = plan_pinning(topology, gaming_vm(6, 2), PinHost{false});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(vcpu_map(*plan), "2 3 4 5 6 7 8 9 10 11 12 13");
  EXPECT_EQ(cpus(plan->emulator_cpus), "0-1");
  EXPECT_FALSE(plan->topoext);
  EXPECT_TRUE(plan->notes.empty());

  // 7 P-cores are free; a 16-thread guest needs 8: no SMT-matching fit, and
  // 16 single-thread cores are not free either (15 are).
  auto too_big = plan_pinning(topology, gaming_vm(8, 2), PinHost{false});
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("16 vCPUs (1 socket × 8 cores × 2 threads) do not fit"),
            std::string::npos);
  EXPECT_NE(too_big.error().message.find("1 core kept for the host (CPUs 0-1)"), std::string::npos);

  // A single-thread guest larger than the P-cores spills onto E-cores, said so.
  auto spill = plan_pinning(topology, gaming_vm(10, 1), PinHost{false});
  ASSERT_TRUE(spill) << spill.error().message;
  EXPECT_EQ(vcpu_map(*spill), "2 4 6 8 10 12 14 16 17 18");
  ASSERT_EQ(spill->notes.size(), 1u);
  EXPECT_NE(spill->notes[0].find("E-cores"), std::string::npos);
}

TEST(PinPlan, FourCoresWithoutSmtGiveTheGuestNoSmt) {
  TempDir tree;
  CpuTopology topology = no_smt(tree, 4);
  auto plan = plan_pinning(topology, gaming_vm(1, 2), PinHost{false});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(vcpu_map(*plan), "1 2");
  EXPECT_EQ(plan->guest, (GuestTopology{1, 2, 1}));
  ASSERT_EQ(plan->notes.size(), 1u);
  EXPECT_EQ(plan->notes[0],
            "the chosen host cores have 1 thread: the guest gets 2 × 1 thread instead of 1 × 2 "
            "threads");
  VmConfig adjusted = with_guest_topology(gaming_vm(1, 2), *plan);
  EXPECT_EQ(adjusted.cpu.cores, 2u);
  EXPECT_EQ(adjusted.cpu.threads, 1u);
}

TEST(PinPlan, HostTooSmallIsRefusedWithTheNumbers) {
  TempDir tree;
  CpuTopology topology = no_smt(tree, 2);
  auto plan = plan_pinning(topology, gaming_vm(4, 2), PinHost{false});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message,
            "8 vCPUs (1 socket × 4 cores × 2 threads) do not fit: this host has 2 online CPUs, 1 "
            "core kept for the host (CPUs 0), and at most 1 vCPUs fit on the rest; lower "
            "cpu.cores, set cpu.host_cores = 0, list host CPUs in cpu.pin, or set cpu.pin = "
            "\"off\"");
}

TEST(PinPlan, AutoWithoutGpuAndOffPinNothing) {
  TempDir tree;
  CpuTopology topology = no_smt(tree, 4);
  VmConfig config = gaming_vm(2, 1);
  config.gpus.clear();
  auto plan = plan_pinning(topology, config, PinHost{false});
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->enabled);
  EXPECT_EQ(plan->notes.size(), 1u);
  config.cpu.pin.mode = CpuPin::Mode::kOff;
  plan = plan_pinning(topology, config, PinHost{false});
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->enabled);
  EXPECT_TRUE(plan->notes.empty());
  EXPECT_EQ(describe_pin_plan(*plan),
            std::vector<std::string>{"2 vCPUs as 1 × 2 × 1 (sockets × cores × threads), "
                                     "not pinned"});
}

TEST(PinPlan, ExplicitListIsCheckedAgainstOnlineCpus) {
  TempDir tree;
  CpuTopology topology = ryzen(tree, 8, 4, "AMD Ryzen 7 3700X");
  VmConfig config = gaming_vm(2, 2);
  config.cpu.pin.mode = CpuPin::Mode::kList;
  config.cpu.pin.host_cpus = {4, 12, 5, 13};
  auto plan = plan_pinning(topology, config, PinHost{true});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(vcpu_map(*plan), "4 12 5 13");
  EXPECT_EQ(cpus(plan->emulator_cpus), "0-3,6-11,14-15");
  EXPECT_TRUE(plan->notes.empty());

  config.cpu.pin.host_cpus = {4, 5, 12, 16};
  plan = plan_pinning(topology, config, PinHost{true});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message, "cpu.pin names CPU 16, which is not online (online CPUs: 0-15)");

  // Guest siblings on different host cores: allowed, but said.
  config.cpu.pin.host_cpus = {4, 5, 12, 13};
  plan = plan_pinning(topology, config, PinHost{true});
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->notes.size(), 2u);
  EXPECT_EQ(plan->notes[0],
            "vCPUs 0-1 are SMT siblings in the guest but CPUs 4 and 5 are not on one host core");
}

TEST(PinPlan, ExplicitListUsingEveryCpuSharesThemWithTheEmulator) {
  TempDir tree;
  CpuTopology topology = no_smt(tree, 2);
  VmConfig config = gaming_vm(2, 1);
  config.cpu.pin.mode = CpuPin::Mode::kList;
  config.cpu.pin.host_cpus = {0, 1};
  auto plan = plan_pinning(topology, config, PinHost{false});
  ASSERT_TRUE(plan);
  EXPECT_EQ(cpus(plan->emulator_cpus), "0-1");
  ASSERT_EQ(plan->notes.size(), 1u);
}

TEST(PinPlan, RoundTripsThroughJson) {
  TempDir tree;
  CpuTopology topology = ryzen(tree, 8, 4, "AMD Ryzen 7 3700X");
  auto plan = plan_pinning(topology, gaming_vm(2, 2), PinHost{true});
  ASSERT_TRUE(plan);
  auto back = PinPlan::from_json(plan->to_json());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_json(), plan->to_json());
  EXPECT_EQ(back->guest, plan->guest);
}

}  // namespace
}  // namespace vfg
