#include "host/process_info.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

TEST(ProcessInfo, ParsesACommandNameWithSpacesAndParentheses) {
  auto stat = parse_process_stat(
      "4242 (qemu (x) y) S 17 4242 4242 0 -1 4194560 1 0 0 0 3 4 0 0 20 0 5 0 123456 1 2 3\n");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->pid, 4242);
  EXPECT_EQ(stat->comm, "qemu (x) y");
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 17);
  EXPECT_EQ(stat->start_ticks, 123456U);
  EXPECT_FALSE(parse_process_stat("garbage"));
  EXPECT_FALSE(parse_process_stat("12 (x) S 1 2"));
}

TEST(ProcessInfo, ComputesRunTimeFromAFixture) {
  testing::TempDir tree;
  tree.write("proc/77/stat", "77 (qemu-system-x86) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " +
                                 std::to_string(100 * ::sysconf(_SC_CLK_TCK)) + " 0 0\n");
  tree.write("proc/uptime", "160.50 300.00\n");
  HostRoot root(tree.path());
  auto seconds = process_run_time(root, 77);
  ASSERT_TRUE(seconds);
  EXPECT_DOUBLE_EQ(*seconds, 60.5);
  EXPECT_FALSE(process_run_time(root, 78));
}

TEST(ProcessInfo, ReadsTheLiveSystem) {
  HostRoot live;
  auto self = read_process_stat(live, ::getpid());
  ASSERT_TRUE(self);
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_TRUE(process_run_time(live, ::getpid()));
}

}  // namespace
}  // namespace vfg
