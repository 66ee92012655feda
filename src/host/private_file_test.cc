#include "host/private_file.h"

#include <filesystem>

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(PrivateFileTest, CreatesAMissingFileForTheOwnerOnly) {
  testing::TempDir dir;
  ASSERT_TRUE(ensure_private_file((dir / "looking-glass").string()));
  EXPECT_EQ(mode_of(dir / "looking-glass"), 0600);
}

TEST(PrivateFileTest, TakesTheWorldBitsOffItsOwnFile) {
  testing::TempDir dir;
  auto file = dir.write("looking-glass", "");
  ASSERT_EQ(::chmod(file.c_str(), 0664), 0);
  ASSERT_TRUE(ensure_private_file(file.string()));
  EXPECT_EQ(mode_of(file), 0660);
}

TEST(PrivateFileTest, RefusesAPlantedSymlinkWithoutFollowingIt) {
  testing::TempDir dir;
  dir.symlink("looking-glass", (dir / "target").string());
  auto refused = ensure_private_file((dir / "looking-glass").string());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("is a symlink"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "target"));
}

TEST(PrivateFileTest, RefusesAFifoAndADirectory) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  dir.mkdir("directory");
  EXPECT_FALSE(ensure_private_file((dir / "fifo").string()));
  EXPECT_FALSE(ensure_private_file((dir / "directory").string()));
}

TEST(PrivateFileTest, RefusesAnotherUsersFile) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to plant a file owned by someone else";
  testing::TempDir dir;
  auto file = dir.write("looking-glass", "");
  ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
  auto refused = ensure_private_file(file.string());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("belongs to user 65534"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace vfg
