// The disks and USB devices `vfg new` gives a VM, found on the host by the
// names the user typed (part of new_definition; pure, like it).
#pragma once

#include <string>
#include <vector>

#include "host/block.h"
#include "host/usb.h"
#include "util/result.h"
#include "vm/vm_config.h"

namespace vfg {

/// The whole disk or partition `path` (a stable name) as the system disk.
/// Refuses kernel names, unknown names and disks the host uses, naming the
/// disks free to give. Adds a note on what was taken.
Result<DiskConfig> choose_block_device(const std::string& path, const std::vector<Disk>& disks,
                                       std::vector<std::string>& notes);

/// A USB device to pass, and the comment that names it.
struct UsbChoice {
  UsbHostConfig usb;
  std::string comment;
};

/// The USB device at port `given` (any spelling `vfg devices usb` shows) or
/// with vendor:product id `given`. Refuses hubs and empty ports.
Result<UsbChoice> choose_usb(const std::string& given, const UsbDevices& usb);

}  // namespace vfg
