// `vfg devices usb --watch` over a tree: a device that appears while it
// watches is reported with its hostbus/hostport.
#include <chrono>

#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/process.h"

namespace vfg {
namespace {

// Reads from `fd` until `needle` shows up or `timeout` passes.
std::string read_until(int fd, std::string_view needle, std::chrono::milliseconds timeout) {
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (text.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[512];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

TEST(UsbWatchTest, ReportsTheHostportOfANewDevice) {
  testing::TempDir tree;
  const std::string hub = "sys/devices/pci0000:00/0000:00:14.0/usb3";
  tree.write(hub + "/busnum", "3\n");
  tree.write(hub + "/devpath", "0\n");
  tree.symlink("sys/bus/usb/devices/usb3", "../../../devices/pci0000:00/0000:00:14.0/usb3");

  SpawnOptions options;
  options.argv = {VFG_BINARY, "--root", tree.path().string(), "devices", "usb", "--watch",
                  "--count",  "1",      "--timeout",          "30"};
  options.stdout_mode = Stdio::kPipe;
  options.stderr_mode = Stdio::kPipe;
  options.env.emplace_back("NO_COLOR", "1");
  auto child = spawn(options);
  ASSERT_TRUE(child) << child.error().message;
  std::string err = read_until(child->stderr_pipe().get(), "plug one in", std::chrono::seconds(20));
  ASSERT_NE(err.find("vfg: note: watching for USB devices"), std::string::npos) << err;

  // An interface appears first (ignored), then the device, attributes before
  // its bus link, the order in which the kernel makes them visible.
  const std::string dev = hub + "/3-1.4";
  tree.write(dev + "/3-1.4:1.0/bInterfaceClass", "03\n");
  tree.symlink("sys/bus/usb/devices/3-1.4:1.0",
               "../../../devices/pci0000:00/0000:00:14.0/usb3/3-1.4/3-1.4:1.0");
  tree.write(dev + "/busnum", "3\n");
  tree.write(dev + "/devnum", "7\n");
  tree.write(dev + "/devpath", "1.4\n");
  tree.write(dev + "/idVendor", "046d\n");
  tree.write(dev + "/idProduct", "c52b\n");
  tree.write(dev + "/manufacturer", "Logitech\n");
  tree.write(dev + "/product", "USB Receiver\n");
  tree.write(dev + "/speed", "12\n");
  tree.symlink("sys/bus/usb/devices/3-1.4", "../../../devices/pci0000:00/0000:00:14.0/usb3/3-1.4");

  std::string out = read_until(child->stdout_pipe().get(), "\n", std::chrono::seconds(20));
  auto status = child->wait_for(std::chrono::seconds(20));
  ASSERT_TRUE(status && *status) << "the watch did not stop after one device";
  EXPECT_EQ((*status)->code, 0);
  EXPECT_EQ(out, "3-1.4  046d:c52b  Logitech USB Receiver  12M  (vfg new --usb 3-1.4)\n");
}

TEST(UsbWatchTest, TimesOutWithStatusOneWhenNothingIsPlugged) {
  testing::TempDir tree;
  tree.mkdir("sys/bus/usb/devices");
  auto run = testing::run_vfg({"--root", tree.path().string(), "devices", "usb", "--watch",
                               "--json", "--count", "1", "--timeout", "0.3"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
}

TEST(UsbWatchTest, WatchNeedsUsb) {
  testing::TempDir tree;
  tree.mkdir("sys");  // a host without USB, not an empty directory
  auto run = testing::run_vfg({"--root", tree.path().string(), "devices", "gpu", "--watch"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--watch works with USB only"), std::string::npos);
  auto missing = testing::run_vfg({"--root", tree.path().string(), "devices", "usb", "--watch"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot watch"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace vfg
