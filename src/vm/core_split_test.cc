#include "vm/core_split.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

// Four cores with SMT: CPUs 0+4, 1+5, 2+6, 3+7, as the kernel numbers them.
CpuTopology four_cores() {
  CpuTopology topology;
  for (int core = 0; core < 4; ++core) {
    topology.cores.push_back({.core_id = core, .threads = {core, core + 4}});
    topology.online.push_back(core);
    topology.online.push_back(core + 4);
  }
  std::sort(topology.online.begin(), topology.online.end());
  return topology;
}

std::string cpus(const std::vector<const CpuCore*>& cores) {
  return format_cpu_list(threads_of(cores));
}

TEST(CoreSplit, WithoutASetAsideTheHostKeepsItsFirstCores) {
  CpuTopology topology = four_cores();
  CoreSplit split = split_cores(topology, 1);
  EXPECT_EQ(cpus(split.host), "0,4");
  EXPECT_EQ(cpus(split.guest), "1-3,5-7");
  EXPECT_EQ(split.set_aside_by, "");
  EXPECT_TRUE(split.notes.empty());
  split = split_cores(topology, 2);
  EXPECT_EQ(cpus(split.host), "0-1,4-5");
  split = split_cores(topology, 0);
  EXPECT_EQ(cpus(split.host), "");
  EXPECT_EQ(cpus(split.guest), "0-7");
}

TEST(CoreSplit, IsolcpusGivesGuestsItsWholeCoresAndTheHostEveryOther) {
  CpuTopology topology = four_cores();
  topology.isolated = {2, 3, 6, 7};
  // host_cores does not shrink what the kernel keeps for the host.
  for (uint32_t host_cores : {0u, 1u, 3u}) {
    CoreSplit split = split_cores(topology, host_cores);
    EXPECT_EQ(cpus(split.guest), "2-3,6-7");
    EXPECT_EQ(cpus(split.host), "0-1,4-5");
    EXPECT_EQ(split.set_aside_by, "isolcpus=");
    EXPECT_EQ(format_cpu_list(split.set_aside), "2-3,6-7");
  }
}

TEST(CoreSplit, APartlySetAsideCoreStaysWithTheHostWithANote) {
  CpuTopology topology = four_cores();
  topology.isolated = {2, 3, 6};
  CoreSplit split = split_cores(topology, 1);
  EXPECT_EQ(cpus(split.guest), "2,6");
  EXPECT_EQ(cpus(split.host), "0-1,3-5,7");
  ASSERT_EQ(split.notes.size(), 1u);
  EXPECT_EQ(split.notes[0], "core of CPUs 3,7 is only partly in isolcpus=; it is left to the host");
}

TEST(CoreSplit, NohzFullDecidesWithoutIsolcpusAndIsolcpusWinsOverIt) {
  CpuTopology topology = four_cores();
  topology.nohz_full = {1, 2, 3, 5, 6, 7};
  CoreSplit split = split_cores(topology, 1);
  EXPECT_EQ(cpus(split.guest), "1-3,5-7");
  EXPECT_EQ(split.set_aside_by, "nohz_full=");
  topology.isolated = {3, 7};
  split = split_cores(topology, 1);
  EXPECT_EQ(cpus(split.guest), "3,7");
  EXPECT_EQ(cpus(split.host), "0-2,4-6");
  EXPECT_EQ(split.set_aside_by, "isolcpus=");
}

// The kernel keeps the boot CPU for housekeeping whatever the command line
// says, and a set without a whole core cannot take a core from the host.
TEST(CoreSplit, ASetWithNoWholeCoreOrEveryCoreLeavesTheUsualShare) {
  CpuTopology topology = four_cores();
  topology.isolated = {3};
  CoreSplit split = split_cores(topology, 1);
  EXPECT_EQ(cpus(split.host), "0,4");
  EXPECT_EQ(cpus(split.guest), "1-3,5-7");
  EXPECT_EQ(split.set_aside_by, "");
  ASSERT_EQ(split.notes.size(), 1u);
  EXPECT_EQ(split.notes[0], "isolcpus=3 holds no whole core, so the host keeps its usual share");

  topology.isolated.clear();
  topology.nohz_full = topology.online;
  split = split_cores(topology, 1);
  EXPECT_EQ(cpus(split.host), "0,4");
  ASSERT_EQ(split.notes.size(), 1u);
  EXPECT_EQ(split.notes[0], "nohz_full=0-7 holds every core, so the host keeps its usual share");
}

TEST(CoreSplit, AnUnknownTopologyHasNothingToSplit) {
  CpuTopology topology;
  topology.isolated = {2, 3};
  CoreSplit split = split_cores(topology, 1);
  EXPECT_TRUE(split.guest.empty());
  EXPECT_TRUE(split.host.empty());
  EXPECT_TRUE(split.notes.empty());
}

}  // namespace
}  // namespace vfg
