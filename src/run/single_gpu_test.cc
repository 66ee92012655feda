#include "run/single_gpu.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

TEST(SingleGpuRun, TheInstanceIsAUserAndAVmAndNothingElse) {
  auto run = parse_single_gpu_run("alice:win11");
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->user, "alice");
  EXPECT_EQ(run->vm, "win11");
  EXPECT_EQ(run->unit(), "vfg-single-gpu@alice:win11.service");
  for (std::string_view bad : {"alice", "alice:", ":win11", "Alice:win11", "alice:../etc",
                               "alice:win11:x", "root$:vm", "alice:.hidden"})
    EXPECT_FALSE(parse_single_gpu_run(bad)) << bad;
}

}  // namespace
}  // namespace vfg
