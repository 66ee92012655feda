// How `vfg devices` shows a host's hardware: a readable tree for people and
// JSON for scripts (schema in docs/devices-json.md).
#pragma once

#include <string>

#include "host/hardware.h"

namespace vfg::cli {

/// The hardware families `vfg devices` can narrow to.
struct DeviceSections {
  bool gpu = true;
  bool usb = true;
  bool input = true;
  bool disks = true;
  bool cpu = true;
};

/// The readable tree: GPUs (cards, groups, verdicts) first, then USB by
/// port, input, disks and CPU. `colour` adds ANSI styles.
std::string render_devices_text(const Hardware& hardware, const DeviceSections& sections,
                                bool colour);

/// The same as pretty-printed JSON, newline-terminated.
std::string render_devices_json(const Hardware& hardware, const DeviceSections& sections);

/// One line for a USB device that was just plugged in (`vfg devices usb --watch`).
std::string render_usb_plug_text(const UsbDevice& device);
/// The same as one line of JSON.
std::string render_usb_plug_json(const UsbDevice& device);

}  // namespace vfg::cli
