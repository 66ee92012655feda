#include "host/memory.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

TEST(Memory, ReadsMemTotalInBytes) {
  EXPECT_EQ(parse_memory_total("MemTotal:       32768000 kB\nMemFree:  1 kB\n"),
            uint64_t{32768000} * 1024);
  EXPECT_EQ(parse_memory_total("MemFree: 1 kB\n"), std::nullopt);
  EXPECT_EQ(parse_memory_total("MemTotal: lots\n"), std::nullopt);
  EXPECT_EQ(read_memory_total(HostRoot("/nonexistent")), std::nullopt);
}

}  // namespace
}  // namespace vfg
