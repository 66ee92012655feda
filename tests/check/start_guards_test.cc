// `vfg start` leaves alone a VM it did not start — a QEMU run by hand from the
// `vfg args` script holding its disk and sockets — and refuses a window with
// no graphical session to open it in.
#include <csignal>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/process.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;
using testing::run_vfg;

class StartGuards : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> env() const {
    return {{"XDG_CONFIG_HOME", (home_ / "config").string()},
            {"XDG_DATA_HOME", (home_ / "data").string()},
            {"XDG_RUNTIME_DIR", (home_ / "run").string()},
            {"XDG_STATE_HOME", (home_ / "state").string()},
            {"DISPLAY", ""},
            {"WAYLAND_DISPLAY", ""}};
  }
  void define(const std::string& name, const std::string& display) {
    home_.write("disk.raw", std::string(1 << 20, '\0'));
    home_.write(
        "config/vfg/" + name + ".toml",
        "os = \"linux\"\naccel = \"tcg\"\n[memory]\nsize = \"256M\"\n[firmware]\ntype = "
        "\"bios\"\n[audio]\nenabled = false\n[network]\nmode = \"none\"\n[display]\ntype = \"" +
            display + "\"\n[[disk]]\npath = \"" + (home_ / "disk.raw").string() + "\"\n");
  }
  /// A process that holds `file` open (named only in its environment, not its command line).
  /// Its `sleep` writes nowhere: killing the shell orphans it, and a sleep that
  /// kept the test's output open would hold the test runner for its whole 120 s.
  Child holder(const std::filesystem::path& file) const {
    SpawnOptions options;
    options.argv = {"sh", "-c", "exec 3<>\"$HELD\"; sleep 120 3>&- >/dev/null 2>&1; :"};
    options.env = {{"HELD", file.string()}};
    auto child = spawn(options);
    EXPECT_TRUE(child) << child.error().message;
    return child ? std::move(*child) : Child();
  }
  testing::TempDir home_;
};

TEST_F(StartGuards, AQemuRunByHandOnTheDiskOrSocketsIsNamedAndLeftAlone) {
  define("tiny", "none");
  // What a QEMU from the script leaves in the runtime directory, with no state of vfg's.
  auto qmp = home_.write("run/vfg/tiny/qmp.sock", "");
  auto pid = home_.write("run/vfg/tiny/qemu.pid", "4242\n");
  Child disk_user = holder(home_ / "disk.raw");
  // The shell needs a moment to open the file; the bound is generous, not a timing.
  std::this_thread::sleep_for(300ms);
  auto refused = run_vfg({"start", "tiny"}, env());
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("VM 'tiny' is in use by a process vfg did not start"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find(
                fmt::format("(pid {}) uses {}", disk_user.pid(), (home_ / "disk.raw").string())),
            std::string::npos)
      << refused.err;
  EXPECT_TRUE(std::filesystem::exists(qmp));
  EXPECT_TRUE(std::filesystem::exists(pid));
  disk_user.kill(SIGKILL);
  (void)disk_user.wait();

  // Named on a command line, as QEMU names its QMP socket.
  SpawnOptions options;
  options.argv = {"sh", "-c",
                  "sleep 120 >/dev/null 2>&1; :", "unix:" + qmp.string() + ",server=on,wait=off"};
  auto socket_user = spawn(options);
  ASSERT_TRUE(socket_user);
  auto again = run_vfg({"start", "tiny"}, env());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find(fmt::format("(pid {}) uses {}", socket_user->pid(), qmp.string())),
            std::string::npos)
      << again.err;
  EXPECT_TRUE(std::filesystem::exists(qmp));
}

TEST_F(StartGuards, AWindowWithoutAGraphicalSessionIsRefusedWithTheWayOut) {
  define("windowed", "std");
  auto refused = run_vfg({"start", "windowed"}, env());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("this shell has no graphical session"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("'vfg connect windowed'"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(home_ / "run/vfg/windowed/qemu.pid"));
}

}  // namespace
}  // namespace vfg
