#include "vm/new_definition.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

TEST(NewDefinition, GuestMemoryIsHalfCappedAndLeavesTheHostFourGib) {
  EXPECT_EQ(default_guest_memory(32 * kGiB - 300 * kMiB), 16 * kGiB);  // MemTotal of 32 GiB RAM
  EXPECT_EQ(default_guest_memory(128 * kGiB), 32 * kGiB);
  EXPECT_EQ(default_guest_memory(8 * kGiB), 4 * kGiB);
  EXPECT_EQ(default_guest_memory(6 * kGiB), 2 * kGiB);
  EXPECT_EQ(default_guest_memory(2 * kGiB), 2 * kGiB);
}

GpuCard card(const char* address, GpuKind kind, GpuVerdict verdict, bool boot) {
  GpuCard gpu;
  gpu.gpu = *PciAddress::parse(address);
  gpu.functions = {gpu.gpu};
  gpu.kind = kind;
  gpu.verdict = verdict;
  gpu.boot_vga = boot;
  return gpu;
}

TEST(NewDefinition, PicksAPassableDiscreteCardTheHostDoesNotBootFrom) {
  std::vector<GpuCard> cards = {
      card("00:02.0", GpuKind::kIntegrated, GpuVerdict::kIntegrated, false),
      card("01:00.0", GpuKind::kDiscrete, GpuVerdict::kPassable, true),
      card("02:00.0", GpuKind::kDiscrete, GpuVerdict::kShared, false),
      card("03:00.0", GpuKind::kDiscrete, GpuVerdict::kPassable, false),
  };
  ASSERT_NE(pick_passthrough_gpu(cards), nullptr);
  EXPECT_EQ(pick_passthrough_gpu(cards)->gpu.to_string(), "0000:03:00.0");
  cards.pop_back();
  EXPECT_EQ(pick_passthrough_gpu(cards)->gpu.to_string(), "0000:01:00.0");
  cards.erase(cards.begin() + 1);
  EXPECT_EQ(pick_passthrough_gpu(cards), nullptr);
}

}  // namespace
}  // namespace vfg
