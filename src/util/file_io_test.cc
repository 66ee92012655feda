#include "util/file_io.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

// A volatile write skips only the fsyncs: it still replaces the file whole.
TEST(FileIo, WritesAtomicallyWithMode) {
  for (Durability durability : {Durability::kDurable, Durability::kVolatile}) {
    testing::TempDir dir;
    auto file = dir / "conf";
    ASSERT_TRUE(write_file_atomic(file, "one\n", 0600, durability));
    ASSERT_TRUE(write_file_atomic(file, "two\n", 0640, durability));
    auto contents = read_file(file);
    ASSERT_TRUE(contents);
    EXPECT_EQ(*contents, "two\n");
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    // No temporary file is left beside it.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  }
}

TEST(FileIo, FailsWithThePath) {
  auto missing = read_file("/nonexistent-vfg/x");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent-vfg/x"), std::string::npos);
  auto unwritable = write_file_atomic("/nonexistent-vfg/x", "data");
  ASSERT_FALSE(unwritable);
}

TEST(FileIo, MakesDirectories) {
  testing::TempDir dir;
  ASSERT_TRUE(make_directories(dir / "a/b/c", 0700));
  EXPECT_TRUE(std::filesystem::is_directory(dir / "a/b/c"));
  ASSERT_TRUE(make_directories(dir / "a/b/c"));  // idempotent
  dir.write("file", "x");
  EXPECT_FALSE(make_directories(dir / "file"));
}

}  // namespace
}  // namespace vfg
