#include "host/trusted_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

// The suite runs as root in CI (the files it makes are root's); as anyone
// else there is nothing root-only to build.
class TrustedPath : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to own the files it checks";
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
    binary_ = dir_.write("bin/vfg", "#!/bin/sh\n");
    ASSERT_EQ(::chmod(binary_.c_str(), 0755), 0);
    ASSERT_EQ(::chmod((dir_ / "bin").c_str(), 0755), 0);
  }
  testing::TempDir dir_;
  std::filesystem::path binary_;
};

TEST_F(TrustedPath, AcceptsAPathOnlyRootCanChange) {
  // The temporary directory sits in /tmp: world-writable, but sticky.
  auto checked = check_root_only_path(binary_.string());
  EXPECT_TRUE(checked) << checked.error().message;
}

TEST_F(TrustedPath, RefusesADirectoryOthersCanWrite) {
  ASSERT_EQ(::chmod((dir_ / "bin").c_str(), 0777), 0);
  auto refused = check_root_only_path(binary_.string());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("bin is writable by others than root (mode 777)"),
            std::string::npos)
      << refused.error().message;
}

TEST_F(TrustedPath, RefusesAFileOfAnotherUserAndASymlink) {
  ASSERT_EQ(::chown(binary_.c_str(), 1000, 1000), 0);
  auto refused = check_root_only_path(binary_.string());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("does not belong to root"), std::string::npos);
  dir_.symlink("bin/link", "vfg");
  auto link = check_root_only_path((dir_ / "bin/link").string());
  ASSERT_FALSE(link);
  EXPECT_NE(link.error().message.find("is a symlink"), std::string::npos);
  EXPECT_FALSE(check_root_only_path("relative/vfg"));
}

}  // namespace
}  // namespace vfg
