#include <filesystem>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "host/host_root.h"
#include "setup/file_writer.h"
#include "support/full_tmpfs.h"
#include "support/temp_dir.h"
#include "util/file_io.h"

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

// A full disk under /etc: the message names the host file, the file keeps
// what it held (nothing half-written under /etc), and no temporary file stays.
TEST(TreeFileWriterTest, AFullDiskKeepsTheEtcFileAndSaysWhich) {
  testing::FullTmpfs disk;
  ASSERT_TRUE(disk.mounted()) << disk.why_not();
  std::filesystem::create_directories(disk.path() / "etc/modprobe.d");
  TreeFileWriter writer{HostRoot(disk.path())};
  const std::string before = "options vfio-pci ids=10de:1b80\n";
  ASSERT_TRUE(writer.write("/etc/modprobe.d/vfg-vfio.conf", before, 0644, std::pair{0u, 0u}));
  disk.fill();
  auto full = writer.write("/etc/modprobe.d/vfg-vfio.conf", std::string(64 * 1024, '#'), 0644,
                           std::pair{0u, 0u});
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("'/etc/modprobe.d/vfg-vfio.conf'"), std::string::npos)
      << full.error().message;
  EXPECT_NE(full.error().message.find("the file system is full"), std::string::npos)
      << full.error().message;
  EXPECT_EQ(read_file(disk.path() / "etc/modprobe.d/vfg-vfio.conf").value_or(""), before);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(disk.path() / "etc/modprobe.d"), {}),
            1);
}

}  // namespace
}  // namespace vfg
