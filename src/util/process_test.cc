#include "util/process.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace vfg {
namespace {

using namespace std::chrono_literals;

TEST(Process, CapturesOutputAndStatus) {
  auto result = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");
  EXPECT_EQ(result->status.code, 3);
  EXPECT_FALSE(result->status.success());
}

TEST(Process, FeedsInput) {
  auto result = run_command({"cat"}, 5s, "hello");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->out, "hello");
}

TEST(Process, ReportsAMissingProgram) {
  auto result = run_command({"vfg-no-such-program"});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("vfg-no-such-program"), std::string::npos);
}

TEST(Process, KillsOnTimeout) {
  auto result = run_command({"sleep", "10"}, 100ms);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("did not finish"), std::string::npos);
}

TEST(Process, PassesEnvironment) {
  SpawnOptions options;
  options.argv = {"sh", "-c", "echo \"$VFG_TEST_VALUE\""};
  options.env.emplace_back("VFG_TEST_VALUE", "42");
  auto result = run_command(std::move(options), 5s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->out, "42\n");
}

TEST(Process, DoesNotLeakFileDescriptors) {
  // An fd we open without close-on-exec must still not reach the child.
  int leaked = ::dup(1);
  ASSERT_GE(leaked, 0);
  auto result = run_command({"sh", "-c", "ls /proc/self/fd | wc -l"});
  ::close(leaked);
  ASSERT_TRUE(result);
  // 0, 1, 2 and the directory fd ls itself opens.
  EXPECT_EQ(std::stoi(result->out), 4);
}

TEST(Process, DestructorKillsARunawayChild) {
  pid_t pid;
  {
    SpawnOptions options;
    options.argv = {"sleep", "30"};
    auto child = spawn(options);
    ASSERT_TRUE(child);
    pid = child->pid();
    EXPECT_TRUE(process_alive(pid));
  }
  EXPECT_FALSE(process_alive(pid));
}

TEST(Process, WaitForReportsSignals) {
  SpawnOptions options;
  options.argv = {"sleep", "30"};
  auto child = spawn(options);
  ASSERT_TRUE(child);
  auto still = child->wait_for(10ms);
  ASSERT_TRUE(still);
  EXPECT_FALSE(still->has_value());
  child->kill(SIGTERM);
  auto done = child->wait_for(5s);
  ASSERT_TRUE(done && done->has_value());
  EXPECT_EQ((*done)->signal, SIGTERM);
  EXPECT_EQ((*done)->describe(), "killed by signal 15 (Terminated)");
}

TEST(Process, FindsPrograms) {
  EXPECT_TRUE(find_program("sh"));
  EXPECT_FALSE(find_program("vfg-no-such-program"));
}

}  // namespace
}  // namespace vfg
