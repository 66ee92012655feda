#include <filesystem>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "host/host_root.h"
#include "setup/file_writer.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

TEST(TreeFileWriterTest, SetupWritesStayInTheTree) {
  testing::TempDir tree;
  testing::TempDir outside;
  outside.mkdir("modprobe.d");
  tree.symlink("etc", outside.path().string());
  TreeFileWriter writer{HostRoot(tree.path())};
  EXPECT_FALSE(writer.write("/etc/modprobe.d/vfio.conf", "options vfio-pci ids=10de:1b80\n", 0644,
                            std::nullopt));
  EXPECT_FALSE(writer.make_directory("/etc/dracut.conf.d"));
  EXPECT_TRUE(std::filesystem::is_empty(outside / "modprobe.d"));
  EXPECT_FALSE(std::filesystem::exists(outside / "dracut.conf.d"));

  // A link whose target is inside the tree is followed there.
  testing::TempDir good;
  good.mkdir("real-etc/modprobe.d");
  good.symlink("etc", "/real-etc");
  TreeFileWriter inside{HostRoot(good.path())};
  ASSERT_TRUE(inside.write("/etc/modprobe.d/vfio.conf", "x\n", 0644, std::nullopt));
  EXPECT_EQ(good.read("real-etc/modprobe.d/vfio.conf"), "x\n");
}

TEST(TreeFileWriterTest, SetupRefusesLinksAndFifosAsManagedFiles) {
  testing::TempDir tree;
  tree.mkdir("etc/modprobe.d");
  tree.symlink("etc/modprobe.d/linked.conf", "/etc/hostname");
  ASSERT_EQ(::mkfifo((tree / "etc/modprobe.d/fifo.conf").c_str(), 0644), 0);
  TreeFileWriter writer{HostRoot(tree.path())};
  auto linked = writer.read("/etc/modprobe.d/linked.conf");
  ASSERT_FALSE(linked);
  EXPECT_NE(linked.error().message.find("symlink"), std::string::npos) << linked.error().message;
  auto fifo = writer.read("/etc/modprobe.d/fifo.conf");
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message.find("not a regular file"), std::string::npos)
      << fifo.error().message;
}

}  // namespace
}  // namespace vfg
