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

GpuCard on(GpuCard card, const char* driver) {
  card.driver = driver;
  return card;
}

// A guest card already on vfio-pci next to the desktop's card on amdgpu: the
// desktop card is the host's only screen, whichever the firmware boots from.
TEST(NewDefinition, PrefersTheCardOnVfioAndNeverTakesTheHostsScreen) {
  std::vector<GpuCard> cards = {
      on(card("03:00.0", GpuKind::kDiscrete, GpuVerdict::kPassable, true), "vfio-pci"),
      on(card("0b:00.0", GpuKind::kDiscrete, GpuVerdict::kPassable, false), "amdgpu"),
  };
  ASSERT_NE(pick_passthrough_gpu(cards), nullptr);
  EXPECT_EQ(pick_passthrough_gpu(cards)->gpu.to_string(), "0000:03:00.0");
  EXPECT_EQ(host_display_reason(cards[1], cards),
            "it is the only card the host has for its own screen");
  EXPECT_EQ(host_display_reason(cards[0], cards), "");
  // Neither on vfio-pci: the boot display stays with the host, and so does
  // a card showing the desktop, though the firmware does not boot from it.
  cards[0].driver = "nvidia";
  cards[1].shows_output = true;
  EXPECT_EQ(pick_passthrough_gpu(cards), nullptr);
  cards[0].boot_vga = false;
  EXPECT_EQ(pick_passthrough_gpu(cards)->gpu.to_string(), "0000:03:00.0");
  EXPECT_EQ(host_display_reason(cards[1], cards), "the host shows a screen on it");
  // The host's only card is never taken by default.
  cards.erase(cards.begin());
  cards[0].shows_output = false;
  EXPECT_EQ(pick_passthrough_gpu(cards), nullptr);
  cards[0].driver = "vfio-pci";
  EXPECT_EQ(pick_passthrough_gpu(cards)->gpu.to_string(), "0000:0b:00.0");
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
  // The boot display is the host's console: not taken by default.
  cards.pop_back();
  EXPECT_EQ(pick_passthrough_gpu(cards), nullptr);
  cards[1].driver = "vfio-pci";
  EXPECT_EQ(pick_passthrough_gpu(cards)->gpu.to_string(), "0000:01:00.0");
}

}  // namespace
}  // namespace vfg
