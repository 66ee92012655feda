#include "util/file_io.h"

#include <algorithm>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/full_tmpfs.h"
#include "support/temp_dir.h"
#include "util/exclusive_file.h"

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

// The names in a directory, but the filler that made its file system full.
std::vector<std::string> entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().filename() != testing::FullTmpfs::kFiller)
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A full disk during a write: the message names the file and says the disk is
// full; the file keeps its old content and no temporary file is left.
TEST(FileIo, AFullDiskLeavesThePreviousContentAndSaysSo) {
  testing::FullTmpfs disk;
  ASSERT_TRUE(disk.mounted()) << disk.why_not();
  auto file = disk.path() / "win11.toml";
  ASSERT_TRUE(write_file_atomic(file, "os = \"windows\"\n"));
  disk.fill();
  std::string larger(64 * 1024, '#');
  for (Durability durability : {Durability::kDurable, Durability::kVolatile}) {
    auto full = write_file_atomic(file, larger, 0644, durability);
    ASSERT_FALSE(full);
    EXPECT_NE(full.error().message.find("'" + file.string() + "'"), std::string::npos)
        << full.error().message;
    EXPECT_NE(full.error().message.find("the file system is full"), std::string::npos)
        << full.error().message;
    EXPECT_EQ(read_file(file).value_or(""), "os = \"windows\"\n");
    EXPECT_EQ(entries(disk.path()), std::vector<std::string>{"win11.toml"});
  }
}

// A new file that cannot be written whole is not left half-written.
TEST(FileIo, AFullDiskLeavesNoHalfNewFile) {
  testing::FullTmpfs disk;
  ASSERT_TRUE(disk.mounted()) << disk.why_not();
  disk.fill();
  auto file = disk.path() / "new.toml";
  auto full = create_new_file(file, std::string(64 * 1024, '#'));
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("cannot write '" + file.string() + "'"), std::string::npos)
      << full.error().message;
  EXPECT_NE(full.error().message.find("the file system is full"), std::string::npos);
  EXPECT_TRUE(entries(disk.path()).empty());
}

}  // namespace
}  // namespace vfg
