#include "util/deadline_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

using std::chrono::milliseconds;

TEST(DeadlineWrite, WritesAFile) {
  testing::TempDir dir;
  auto path = dir.write("attr", "");
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto outcome = write_within(fd, "vfio-pci", milliseconds(5000));
  ::close(fd);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, WriteOutcome::kDone);
  EXPECT_EQ(dir.read("attr"), "vfio-pci");
}

// A full pipe nobody reads blocks a write the way a driver's remove callback
// blocks `unbind`: the caller must come back at the deadline.
TEST(DeadlineWrite, ReturnsAtTheDeadlineWhileTheWriteStillBlocks) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  std::string filler(static_cast<size_t>(::fcntl(pipe_fds[1], F_GETPIPE_SZ)), 'x');
  ASSERT_EQ(::write(pipe_fds[1], filler.data(), filler.size()),
            static_cast<ssize_t>(filler.size()));
  auto started = std::chrono::steady_clock::now();
  auto outcome = write_within(pipe_fds[1], "more", milliseconds(300));
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, WriteOutcome::kTimedOut);
  EXPECT_LT(waited, std::chrono::seconds(5));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(DeadlineWrite, ReportsTheKernelsError) {
  int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto outcome = write_within(fd, "x", milliseconds(5000));
  ::close(fd);
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("No space left"), std::string::npos)
      << outcome.error().message;
}

}  // namespace
}  // namespace vfg
