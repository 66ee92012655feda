#include "util/xdg.h"

#include <cstdlib>
#include <filesystem>

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

TEST(PrivateDirectoryTest, CreatesAMissingDirectoryWithMode0700) {
  testing::TempDir temp;
  ASSERT_TRUE(ensure_private_directory(temp / "vfg-runtime-1000"));
  struct stat st {};
  ASSERT_EQ(::lstat((temp / "vfg-runtime-1000").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  // A second call accepts what the first made.
  EXPECT_TRUE(ensure_private_directory(temp / "vfg-runtime-1000"));
}

TEST(PrivateDirectoryTest, RefusesASymlinkEvenToAPrivateDirectory) {
  testing::TempDir temp;
  temp.mkdir("elsewhere");
  ASSERT_EQ(::chmod((temp / "elsewhere").c_str(), 0700), 0);
  temp.symlink("vfg-runtime-1000", (temp / "elsewhere").string());
  auto refused = ensure_private_directory(temp / "vfg-runtime-1000");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("is a symlink"), std::string::npos);
}

TEST(PrivateDirectoryTest, RefusesAFileAndAnOpenMode) {
  testing::TempDir temp;
  temp.write("file", "");
  EXPECT_FALSE(ensure_private_directory(temp / "file"));
  temp.mkdir("open");
  ASSERT_EQ(::chmod((temp / "open").c_str(), 0755), 0);
  auto refused = ensure_private_directory(temp / "open");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("has mode 0755, not 0700"), std::string::npos)
      << refused.error().message;
}

TEST(PrivateDirectoryTest, RefusesAnotherUsersDirectory) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a directory owned by someone else";
  testing::TempDir temp;
  temp.mkdir("theirs");
  ASSERT_EQ(::chmod((temp / "theirs").c_str(), 0700), 0);
  ASSERT_EQ(::chown((temp / "theirs").c_str(), 65534, 65534), 0);
  auto refused = ensure_private_directory(temp / "theirs");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("belongs to user 65534"), std::string::npos);
}

/// Sets an environment variable for one scope, then puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(XdgDirsTest, StateHomeDefaultsToLocalStateAndIgnoresARelativePath) {
  ScopedEnv home("HOME", "/home/u");
  ScopedEnv runtime("XDG_RUNTIME_DIR", "/run/user/1000");
  {
    ScopedEnv state("XDG_STATE_HOME", nullptr);
    auto dirs = XdgDirs::from_environment();
    ASSERT_TRUE(dirs) << dirs.error().message;
    EXPECT_EQ(dirs->state, "/home/u/.local/state/vfg");
    EXPECT_EQ(dirs->runtime, "/run/user/1000/vfg");
  }
  {
    ScopedEnv state("XDG_STATE_HOME", "/var/lib/u-state");
    EXPECT_EQ(XdgDirs::from_environment()->state, "/var/lib/u-state/vfg");
  }
  {
    // The spec: a relative path is invalid and ignored.
    ScopedEnv state("XDG_STATE_HOME", "state");
    EXPECT_EQ(XdgDirs::from_environment()->state, "/home/u/.local/state/vfg");
  }
}

TEST(XdgDirsTest, FallbackRuntimeDirectoryIsCheckedBeforeUse) {
  testing::TempDir temp;
  const char* saved_runtime = std::getenv("XDG_RUNTIME_DIR");
  const char* saved_tmpdir = std::getenv("TMPDIR");
  std::string runtime_value = saved_runtime ? saved_runtime : "";
  std::string tmpdir_value = saved_tmpdir ? saved_tmpdir : "";
  ::unsetenv("XDG_RUNTIME_DIR");
  ::setenv("TMPDIR", temp.path().c_str(), 1);
  std::string planted = "vfg-runtime-" + std::to_string(::geteuid());
  temp.symlink(planted, "/");
  auto refused = XdgDirs::from_environment();
  ::unlink((temp / planted).c_str());
  auto made = XdgDirs::from_environment();
  if (saved_runtime) ::setenv("XDG_RUNTIME_DIR", runtime_value.c_str(), 1);
  if (saved_tmpdir)
    ::setenv("TMPDIR", tmpdir_value.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
  ASSERT_FALSE(refused);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->runtime, temp / planted / "vfg");
  EXPECT_EQ(made->detached_runtime, made->runtime);
}

}  // namespace
}  // namespace vfg
