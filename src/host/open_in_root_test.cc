#include "host/open_in_root.h"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "host/host_root.h"
#include "support/temp_dir.h"
#include "util/file_io.h"

namespace vfg {
namespace {

using Opener = UniqueFd (*)(int, std::string_view, int, mode_t);

// Every case runs against the kernel's openat2(RESOLVE_IN_ROOT) and against
// the checked walk used where the kernel lacks it: both must confine alike.
class OpenInRootTest : public ::testing::TestWithParam<Opener> {
 protected:
  void SetUp() override {
    tree_.write("etc/hostname", "inside\n");
    outside_.write("secret", "outside\n");
    root_fd_ = UniqueFd(::open(tree_.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_fd_);
  }

  // The contents of `path` opened inside the tree, or "" when it does not open.
  std::string read(std::string_view path) {
    UniqueFd fd = GetParam()(root_fd_.get(), path, O_RDONLY, 0);
    if (!fd) return "";
    return read_all(fd.get(), path).value_or("");
  }

  testing::TempDir tree_;
  testing::TempDir outside_;
  UniqueFd root_fd_;
};

TEST_P(OpenInRootTest, ReadsPlainPathsAndLinksInsideTheTree) {
  tree_.symlink("etc/name-absolute", "/etc/hostname");
  tree_.symlink("etc/name-relative", "../etc/./hostname");
  EXPECT_EQ(read("/etc/hostname"), "inside\n");
  EXPECT_EQ(read("etc/hostname"), "inside\n");
  EXPECT_EQ(read("/etc/name-absolute"), "inside\n");
  EXPECT_EQ(read("/etc/name-relative"), "inside\n");
}

TEST_P(OpenInRootTest, AbsoluteLinkOutOfTheTreeStaysInside) {
  tree_.symlink("escape", outside_.path().string());
  EXPECT_EQ(read("/escape/secret"), "");
  // The same path made inside the tree is what the link names.
  tree_.write(outside_.path().relative_path().string() + "/secret", "planted inside\n");
  EXPECT_EQ(read("/escape/secret"), "planted inside\n");
}

TEST_P(OpenInRootTest, RelativeLinkAndDotDotCannotClimbOut) {
  std::string climb;
  for (const auto& part : tree_.path()) {
    if (part != "/") climb += "../";
  }
  tree_.symlink("up", climb + outside_.path().relative_path().string());
  EXPECT_EQ(read("/up/secret"), "");
  EXPECT_EQ(read(climb + outside_.path().relative_path().string() + "/secret"), "");
  EXPECT_EQ(read("/../../../etc/hostname"), "inside\n");
}

TEST_P(OpenInRootTest, LoopingLinksFailWithEloop) {
  tree_.symlink("loop-a", "loop-b");
  tree_.symlink("loop-b", "/loop-a");
  UniqueFd fd = GetParam()(root_fd_.get(), "/loop-a/x", O_RDONLY, 0);
  EXPECT_FALSE(fd);
  EXPECT_EQ(errno, ELOOP);
  tree_.symlink("self", ".");
  std::string deep = "/";
  for (int i = 0; i < 50; ++i) deep += "self/";
  EXPECT_EQ(read(deep + "etc/hostname"), "");
}

TEST_P(OpenInRootTest, CreatesThroughADanglingLinkInsideTheTree) {
  tree_.symlink("etc/new", outside_.path().string() + "/created");
  UniqueFd fd = GetParam()(root_fd_.get(), "/etc/new", O_WRONLY | O_CREAT, 0600);
  // The link's target is looked up inside the tree, where its directory is missing.
  EXPECT_FALSE(fd);
  EXPECT_FALSE(std::filesystem::exists(outside_ / "created"));
}

INSTANTIATE_TEST_SUITE_P(KernelAndWalk, OpenInRootTest,
                         ::testing::Values(&open_in_root, &open_in_root_by_walk));

TEST(HostRootContainmentTest, ReadersDoNotFollowLinksOutOfTheTree) {
  testing::TempDir tree;
  testing::TempDir outside;
  outside.write("cpuinfo", "processor : 0\n");
  outside.mkdir("devices");
  tree.symlink("proc", outside.path().string());
  tree.symlink("sys", "../../../../../../../../" + outside.path().relative_path().string());
  HostRoot root(tree.path());
  EXPECT_FALSE(root.read_attr("/proc/cpuinfo"));
  EXPECT_FALSE(root.read_file("/proc/cpuinfo"));
  EXPECT_FALSE(root.exists("/proc/cpuinfo"));
  EXPECT_TRUE(root.list_dir("/sys").empty());
  EXPECT_FALSE(root.file_status("/sys/devices"));
}

}  // namespace
}  // namespace vfg
