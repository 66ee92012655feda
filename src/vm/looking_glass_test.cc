#include "vm/looking_glass.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

constexpr uint64_t kMb = uint64_t{1} << 20;

TEST(LookingGlass, SizesFromTheDocumentedTables) {
  struct Row {
    uint32_t width, height;
    bool hdr;
    uint64_t mib;
  };
  for (const Row& row :
       {Row{1920, 1080, false, 32}, Row{1920, 1200, false, 32}, Row{2560, 1440, false, 64},
        Row{3440, 1440, false, 64}, Row{3840, 2160, false, 128}, Row{5120, 1440, false, 128},
        Row{5120, 2880, false, 256}, Row{7680, 4320, false, 512},
        // B7 doubles for HDR; the current formula does not.
        Row{1920, 1080, true, 64}, Row{2560, 1440, true, 128}, Row{3840, 2160, true, 256},
        // Rows pitched to 256 bytes need more under the current formula.
        Row{2560, 1080, false, 64}}) {
    EXPECT_EQ(looking_glass_size(row.width, row.height, row.hdr), row.mib * kMb)
        << row.width << "x" << row.height << (row.hdr ? " HDR" : "");
  }
}

TEST(LookingGlass, FormulasAsDocumented) {
  // B7: 1920×1080×4×2 = 16,588,800 bytes + 10 MiB.
  EXPECT_EQ(looking_glass_bytes_b7(1920, 1080, false), 16588800 + 10 * kMb);
  // Current: ceil(1920×4/256)×256 = 7680; × 1080 × 3 + 4 MiB.
  EXPECT_EQ(looking_glass_bytes_current(1920, 1080), 7680ull * 1080 * 3 + 4 * kMb);
  EXPECT_EQ(looking_glass_bytes_current(2560, 1080), 10240ull * 1080 * 3 + 4 * kMb);
  EXPECT_EQ(round_up_power_of_two(1), 1u);
  EXPECT_EQ(round_up_power_of_two(32 * kMb), 32 * kMb);
  EXPECT_EQ(round_up_power_of_two(32 * kMb + 1), 64 * kMb);
}

}  // namespace
}  // namespace vfg
