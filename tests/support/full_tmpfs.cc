#include "support/full_tmpfs.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace vfg::testing {

FullTmpfs::FullTmpfs() : mount_point_(base_ / "fs") {
  std::filesystem::create_directory(mount_point_);
  // 256 KiB: room for the files a test writes first, quickly filled after.
  if (::mount("vfg-test-full", mount_point_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
              "size=256k,mode=0755") != 0)
    why_not_ = std::string("cannot mount a tmpfs (needs root): ") + std::strerror(errno);
}

FullTmpfs::~FullTmpfs() {
  if (mounted()) ::umount2(mount_point_.c_str(), MNT_DETACH);
}

void FullTmpfs::fill() const {
  int fd =
      ::open((mount_point_ / kFiller).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::string block(4096, 'x');
  int error = 0;
  // Whole blocks first, then single bytes, so no byte is left free.
  for (size_t chunk : {block.size(), size_t{1}}) {
    while (::write(fd, block.data(), chunk) == static_cast<ssize_t>(chunk)) {
    }
    error = errno;
  }
  ::close(fd);
  ASSERT_EQ(error, ENOSPC) << std::strerror(error);
}

void FullTmpfs::make_read_only() const {
  ASSERT_EQ(::mount(nullptr, mount_point_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0)
      << std::strerror(errno);
}

void FullTmpfs::free() const { std::filesystem::remove(mount_point_ / kFiller); }

}  // namespace vfg::testing
