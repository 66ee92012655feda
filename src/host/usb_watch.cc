#include "host/usb_watch.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <string>

#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace vfg {

namespace {

constexpr std::string_view kUsbDevicesDir = "/sys/bus/usb/devices";

// The source of new device names.
class DeviceEvents {
 public:
  virtual ~DeviceEvents() = default;
  [[nodiscard]] virtual int fd() const = 0;
  /// Reads what is pending and appends the names of added USB devices.
  virtual void read(std::vector<std::string>& names) = 0;
};

class UeventSource : public DeviceEvents {
 public:
  explicit UeventSource(UniqueFd fd) : fd_(std::move(fd)) {}
  [[nodiscard]] int fd() const override { return fd_.get(); }
  void read(std::vector<std::string>& names) override {
    char buffer[8192];
    ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) return;
    // "add@/devices/...\0ACTION=add\0DEVPATH=...\0SUBSYSTEM=usb\0DEVTYPE=usb_device\0..."
    std::string_view message(buffer, static_cast<size_t>(n));
    std::string action, devpath, subsystem, devtype;
    size_t pos = 0;
    while (pos < message.size()) {
      size_t end = message.find('\0', pos);
      if (end == std::string_view::npos) end = message.size();
      std::string_view field = message.substr(pos, end - pos);
      auto take = [&field](std::string_view key, std::string& out) {
        if (field.rfind(key, 0) == 0) out = std::string(field.substr(key.size()));
      };
      take("ACTION=", action);
      take("DEVPATH=", devpath);
      take("SUBSYSTEM=", subsystem);
      take("DEVTYPE=", devtype);
      pos = end + 1;
    }
    if (action != "add" || subsystem != "usb" || devtype != "usb_device") return;
    names.push_back(devpath.substr(devpath.rfind('/') + 1));
  }

 private:
  UniqueFd fd_;
};

class InotifySource : public DeviceEvents {
 public:
  explicit InotifySource(UniqueFd fd) : fd_(std::move(fd)) {}
  [[nodiscard]] int fd() const override { return fd_.get(); }
  void read(std::vector<std::string>& names) override {
    alignas(inotify_event) char buffer[8192];
    ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);
    for (ssize_t offset = 0; n > 0 && offset < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      if (event->len > 0) names.emplace_back(event->name);
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }

 private:
  UniqueFd fd_;
};

Result<std::unique_ptr<DeviceEvents>> open_source(const HostRoot& root) {
  if (root.is_live()) {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT));
    if (!fd) return fail("cannot open the kernel's uevent socket: {}", std::strerror(errno));
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    address.nl_groups = 1;  // kernel uevents
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      return fail("cannot listen to kernel uevents: {}", std::strerror(errno));
    return std::make_unique<UeventSource>(std::move(fd));
  }
  UniqueFd fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!fd) return fail("cannot start inotify: {}", std::strerror(errno));
  // Watch the directory opened inside the tree, through its /proc/self/fd
  // name, not a path a planted symlink could redirect.
  std::string dir = root.path(kUsbDevicesDir).string();
  UniqueFd watched = root.open(kUsbDevicesDir, O_PATH | O_DIRECTORY);
  std::string through_fd = "/proc/self/fd/" + std::to_string(watched.get());
  if (!watched || ::inotify_add_watch(fd.get(), through_fd.c_str(), IN_CREATE | IN_MOVED_TO) < 0)
    return fail("cannot watch '{}': {}", dir, std::strerror(errno));
  return std::make_unique<InotifySource>(std::move(fd));
}

}  // namespace

Result<UsbWatchEnd> watch_usb(const HostRoot& root, const UsbWatchOptions& options,
                              const std::function<void(const UsbDevice&)>& on_plug) {
  auto source = open_source(root);
  if (!source) return tl::unexpected(source.error());
  // SIGINT and SIGTERM end the watch through the poll loop, so callers still
  // run their cleanup (an unpacked snapshot's temporary directory).
  sigset_t signals, old_mask;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &signals, &old_mask);
  struct RestoreMask {
    sigset_t mask;
    ~RestoreMask() { ::sigprocmask(SIG_SETMASK, &mask, nullptr); }
  } restore{old_mask};
  UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (options.on_ready) options.on_ready();

  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  int reported = 0;
  while (true) {
    int wait_ms = -1;
    if (options.timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return UsbWatchEnd::kTimeout;
      wait_ms = static_cast<int>(left.count());
    }
    pollfd fds[2] = {{(*source)->fd(), POLLIN, 0}, {signal_fd.get(), POLLIN, 0}};
    int ready = ::poll(fds, signal_fd ? 2 : 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return fail("waiting for USB devices: {}", std::strerror(errno));
    if (ready > 0 && signal_fd && (fds[1].revents & POLLIN) != 0) return UsbWatchEnd::kInterrupted;
    if (ready == 0 || (fds[0].revents & POLLIN) == 0) continue;
    std::vector<std::string> names;
    (*source)->read(names);
    for (const auto& name : names) {
      auto device = read_usb_device(root, name);
      if (!device || device->is_root_hub()) continue;
      on_plug(*device);
      if (options.max_events > 0 && ++reported >= options.max_events) return UsbWatchEnd::kCount;
    }
  }
}

}  // namespace vfg
