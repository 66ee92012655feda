// Hugepage reservation on a fixture pool (the arithmetic, and what others
// reserved is kept) and on this machine's real 2 MiB pool when run as root.
#include "run/tuning/hugepages.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "support/hugepage_pool_lock.h"
#include "support/temp_dir.h"
#include "util/strings.h"

namespace vfg {
namespace {

using testing::TempDir;

constexpr std::string_view kPool2M = "sys/kernel/mm/hugepages/hugepages-2048kB/";

void write_pool(const TempDir& tree, uint64_t total, uint64_t free, uint64_t reserved) {
  tree.write(std::string(kPool2M) + "nr_hugepages", fmt::format("{}\n", total));
  tree.write(std::string(kPool2M) + "free_hugepages", fmt::format("{}\n", free));
  tree.write(std::string(kPool2M) + "resv_hugepages", fmt::format("{}\n", reserved));
  tree.write(std::string(kPool2M) + "surplus_hugepages", "0\n");
}

uint64_t total_of(const TempDir& tree) {
  return parse_uint(trim(tree.read(std::string(kPool2M) + "nr_hugepages"))).value_or(999);
}

MemoryConfig memory(uint64_t size, HugePages pages) {
  MemoryConfig memory;
  memory.size = size;
  memory.hugepages = pages;
  return memory;
}

TEST(Hugepages, NeededAndMissingCountReservedPagesAsTaken) {
  EXPECT_EQ(hugepages_needed(memory(16 * kGiB, HugePages::k2M)), 8192u);
  EXPECT_EQ(hugepages_needed(memory(16 * kGiB, HugePages::k1G)), 16u);
  EXPECT_EQ(hugepages_needed(memory(16 * kGiB, HugePages::kNone)), 0u);
  // 100 free but 60 of them promised to another VM's mapping: 40 usable.
  HugepageCounts pool{2 * kMiB, 100, 100, 60, 0};
  EXPECT_EQ(pool.available(), 40u);
  EXPECT_EQ(hugepages_missing(pool, 64), 24u);
  EXPECT_EQ(hugepages_missing(pool, 40), 0u);
}

TEST(Hugepages, ReservesWhatIsMissingAndReleasesOnlyThat) {
  TempDir tree;
  HostRoot root(tree.path());
  write_pool(tree, 10, 10, 0);  // someone keeps 10 pages
  auto reservation = reserve_hugepages(root, memory(64 * kMiB, HugePages::k2M));
  ASSERT_TRUE(reservation) << reservation.error().message;
  EXPECT_EQ(reservation->added, 22u);
  EXPECT_EQ(reservation->total_before, 10u);
  EXPECT_EQ(total_of(tree), 32u);

  // Meanwhile someone else grows the pool by 5: those stay.
  write_pool(tree, 37, 5, 0);
  ASSERT_TRUE(release_hugepages(root, *reservation));
  EXPECT_EQ(total_of(tree), 15u);
}

TEST(Hugepages, AnAmplePoolIsLeftAlone) {
  TempDir tree;
  HostRoot root(tree.path());
  write_pool(tree, 64, 64, 0);
  auto reservation = reserve_hugepages(root, memory(64 * kMiB, HugePages::k2M));
  ASSERT_TRUE(reservation);
  EXPECT_EQ(reservation->added, 0u);
  ASSERT_TRUE(release_hugepages(root, *reservation));
  EXPECT_EQ(total_of(tree), 64u);
}

TEST(Hugepages, AMissingPoolIsNamed) {
  TempDir tree;
  auto reservation = reserve_hugepages(HostRoot(tree.path()), memory(2 * kGiB, HugePages::k1G));
  ASSERT_FALSE(reservation);
  EXPECT_EQ(reservation.error().message, "this kernel has no pool of 1 GiB hugepages");
}

// The real pool of this machine (root only: it writes nr_hugepages). Restores
// the pool whatever happens.
TEST(Hugepages, ReservesAndReleasesOnThisMachine) {
  testing::HugepagePoolLock pool_lock;
  HostRoot live;
  auto before = read_hugepage_pool(live, 2 * kMiB);
  if (::geteuid() != 0 || !before) GTEST_SKIP() << "needs root and a 2 MiB hugepage pool";
  struct Restore {
    uint64_t total;
    ~Restore() { (void)write_hugepage_total(HostRoot(), 2 * kMiB, total); }
  } restore{before->total};
  uint64_t want = before->available() + 16;  // 16 pages more than the pool can give now
  auto reservation = reserve_hugepages(live, memory(want * 2 * kMiB, HugePages::k2M));
  ASSERT_TRUE(reservation) << reservation.error().message;
  EXPECT_EQ(reservation->added, 16u);
  auto during = read_hugepage_pool(live, 2 * kMiB);
  ASSERT_TRUE(during);
  EXPECT_EQ(during->total, before->total + 16);
  EXPECT_GE(during->available(), want);
  ASSERT_TRUE(release_hugepages(live, *reservation));
  EXPECT_EQ(read_hugepage_pool(live, 2 * kMiB)->total, before->total);
}

}  // namespace
}  // namespace vfg
