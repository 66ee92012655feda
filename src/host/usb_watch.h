// Watching for USB devices as they are plugged in, to answer "which hostport
// is this?" without trial and error. The running system is watched through
// the kernel's uevent netlink socket (sysfs sends no inotify events); a tree
// (fixture or snapshot) is watched with inotify on its /sys/bus/usb/devices.
#pragma once

#include <chrono>
#include <functional>

#include "host/host_root.h"
#include "host/usb.h"
#include "util/result.h"

namespace vfg {

struct UsbWatchOptions {
  /// Stop after this many devices; 0 = until interrupted or timed out.
  int max_events = 0;
  /// Stop after this long; 0 = no limit.
  std::chrono::milliseconds timeout{0};
  /// Called once the watch is in place, before any device is reported.
  std::function<void()> on_ready;
};

/// Why a watch ended.
enum class UsbWatchEnd { kCount, kTimeout, kInterrupted };

/// Calls `on_plug` for every USB device (not interface) that appears, until
/// the count or timeout in `options` is reached or SIGINT/SIGTERM arrives.
Result<UsbWatchEnd> watch_usb(const HostRoot& root, const UsbWatchOptions& options,
                              const std::function<void(const UsbDevice&)>& on_plug);

}  // namespace vfg
