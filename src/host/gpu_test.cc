#include "host/gpu.h"

#include <gtest/gtest.h>

#include "support/run_vfg.h"

namespace vfg {
namespace {

PciAddress addr(std::string_view text) { return PciAddress::parse(text).value(); }

std::vector<PciAddress> addrs(std::initializer_list<std::string_view> texts) {
  std::vector<PciAddress> result;
  for (auto text : texts) result.push_back(addr(text));
  return result;
}

std::vector<GpuCard> cards_of(const std::string& name) {
  HostRoot root(testing::source_path("tests/fixtures/hosts/" + name));
  return find_gpu_cards(scan_pci(root), scan_iommu_groups(root));
}

const GpuCard& card_at(const std::vector<GpuCard>& cards, std::string_view gpu) {
  for (const auto& card : cards)
    if (card.gpu == addr(gpu)) return card;
  throw std::runtime_error("no card at " + std::string(gpu));
}

TEST(GpuTest, IntelIgpuAndTwoFunctionNvidia) {
  auto cards = cards_of("intel-igpu-nvidia");
  ASSERT_EQ(cards.size(), 2u);
  const GpuCard& igpu = card_at(cards, "0000:00:02.0");
  EXPECT_EQ(igpu.kind, GpuKind::kIntegrated);
  EXPECT_EQ(igpu.verdict, GpuVerdict::kIntegrated);
  EXPECT_TRUE(igpu.boot_vga);
  const GpuCard& nvidia = card_at(cards, "0000:01:00.0");
  EXPECT_EQ(nvidia.kind, GpuKind::kDiscrete);
  EXPECT_EQ(nvidia.functions, addrs({"0000:01:00.0", "0000:01:00.1"}));
  EXPECT_TRUE(nvidia.bridges.empty());
  EXPECT_EQ(nvidia.iommu_groups, std::vector<int>{1});
  EXPECT_EQ(nvidia.verdict, GpuVerdict::kPassable);
  EXPECT_TRUE(nvidia.shared_with.empty());
  EXPECT_TRUE(nvidia.ids_shared_with.empty());
}

TEST(GpuTest, TuringHasFourFunctionsByTopology) {
  auto cards = cards_of("nvidia-turing");
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_EQ(cards[0].functions,
            addrs({"0000:0a:00.0", "0000:0a:00.1", "0000:0a:00.2", "0000:0a:00.3"}));
  EXPECT_EQ(cards[0].verdict, GpuVerdict::kPassable);
}

TEST(GpuTest, NaviAudioOnAnotherBusBelongsToTheCard) {
  auto cards = cards_of("amd-navi");
  ASSERT_EQ(cards.size(), 1u);
  const GpuCard& card = cards[0];
  EXPECT_EQ(card.functions, addrs({"0000:0c:00.0", "0000:0d:00.0"}));
  EXPECT_EQ(card.bridges, addrs({"0000:0a:00.0", "0000:0b:00.0", "0000:0b:01.0"}));
  EXPECT_EQ(card.iommu_groups, (std::vector<int>{23, 24}));
  EXPECT_EQ(card.verdict, GpuVerdict::kPassable);
  EXPECT_TRUE(card.boot_vga);
}

TEST(GpuTest, ArcAudioOnAnotherBusAndTwoIntelGpus) {
  auto cards = cards_of("intel-arc");
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_EQ(card_at(cards, "0000:00:02.0").kind, GpuKind::kIntegrated);
  const GpuCard& arc = card_at(cards, "0000:05:00.0");
  EXPECT_EQ(arc.kind, GpuKind::kDiscrete);
  EXPECT_EQ(arc.functions, addrs({"0000:05:00.0", "0000:06:00.0"}));
  EXPECT_EQ(arc.bridges, addrs({"0000:03:00.0", "0000:04:01.0", "0000:04:04.0"}));
  EXPECT_EQ(arc.verdict, GpuVerdict::kPassable);
}

TEST(GpuTest, ApuGraphicsIsIntegratedAndVegaSwitchIsTheCards) {
  auto cards = cards_of("amd-apu-dgpu");
  ASSERT_EQ(cards.size(), 2u);
  const GpuCard& vega = card_at(cards, "0000:03:00.0");
  EXPECT_EQ(vega.kind, GpuKind::kDiscrete);
  EXPECT_EQ(vega.functions, addrs({"0000:03:00.0", "0000:03:00.1"}));
  EXPECT_EQ(vega.bridges, addrs({"0000:01:00.0", "0000:02:00.0"}));
  EXPECT_EQ(vega.verdict, GpuVerdict::kPassable);
  const GpuCard& apu = card_at(cards, "0000:07:00.0");
  EXPECT_EQ(apu.kind, GpuKind::kIntegrated);
  EXPECT_EQ(apu.verdict, GpuVerdict::kIntegrated);
}

TEST(GpuTest, LaptopThreeDControllerIsAGpu) {
  auto cards = cards_of("hybrid-laptop");
  ASSERT_EQ(cards.size(), 2u);
  const GpuCard& nvidia = card_at(cards, "0000:01:00.0");
  EXPECT_EQ(nvidia.kind, GpuKind::kDiscrete);
  EXPECT_EQ(nvidia.functions, addrs({"0000:01:00.0", "0000:01:00.1"}));
  EXPECT_EQ(nvidia.verdict, GpuVerdict::kPassable);
}

TEST(GpuTest, IdenticalCardsShareIds) {
  auto cards = cards_of("two-identical-gpus");
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_EQ(cards[0].ids_shared_with, addrs({"0000:0b:00.0", "0000:0b:00.1"}));
  EXPECT_EQ(cards[1].ids_shared_with, addrs({"0000:0a:00.0", "0000:0a:00.1"}));
  EXPECT_EQ(cards[0].verdict, GpuVerdict::kPassable);
}

TEST(GpuTest, ChipsetSlotSharesTheGroup) {
  auto cards = cards_of("chipset-group");
  ASSERT_EQ(cards.size(), 2u);
  const GpuCard& nvidia = card_at(cards, "0000:22:00.0");
  // The chipset's switch also carries a NIC, so it is not the card's own.
  EXPECT_TRUE(nvidia.bridges.empty());
  EXPECT_EQ(nvidia.functions, addrs({"0000:22:00.0", "0000:22:00.1"}));
  EXPECT_EQ(nvidia.verdict, GpuVerdict::kShared);
  EXPECT_EQ(nvidia.shared_with,
            addrs({"0000:01:00.0", "0000:03:00.0", "0000:03:00.1", "0000:21:00.0"}));
  EXPECT_EQ(card_at(cards, "0000:26:00.0").verdict, GpuVerdict::kPassable);
}

TEST(GpuTest, VmdHostKeepsItsGpus) {
  auto cards = cards_of("vmd");
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_EQ(card_at(cards, "0000:01:00.0").verdict, GpuVerdict::kPassable);
}

TEST(GpuTest, BmcVgaIsNoCandidate) {
  auto cards = cards_of("server-bmc");
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_EQ(cards[0].kind, GpuKind::kBmc);
  EXPECT_EQ(cards[0].verdict, GpuVerdict::kBmc);
  EXPECT_TRUE(cards[0].bridges.empty());  // a root port and a PCIe-to-PCI bridge: no switch
}

TEST(GpuTest, IommuOffIsAVerdict) {
  HostRoot root(testing::source_path("tests/fixtures/hosts/intel-igpu-nvidia"));
  auto cards = find_gpu_cards(scan_pci(root), IommuGroups{});
  EXPECT_EQ(card_at(cards, "0000:01:00.0").verdict, GpuVerdict::kIommuOff);
}

TEST(GpuTest, GpuClasses) {
  EXPECT_TRUE(is_gpu_class(0x030000));
  EXPECT_TRUE(is_gpu_class(0x030200));
  EXPECT_TRUE(is_gpu_class(0x038000));
  EXPECT_FALSE(is_gpu_class(0x030100));
  EXPECT_FALSE(is_gpu_class(0x040300));
  EXPECT_FALSE(is_gpu_class(kPciClassUnknown));
}

}  // namespace
}  // namespace vfg
