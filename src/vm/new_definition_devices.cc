// The disks and USB devices `vfg new` gives a VM, found on the host by the
// names the user typed, with the reasons a choice is refused.
#include "vm/new_definition_devices.h"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.h"
#include "vm/config_syntax.h"

namespace vfg {

namespace {

/// The disk or partition with stable name `path`, and its usage.
struct FoundBlock {
  std::string kernel_name;
  std::string description;
  const BlockUsage* usage = nullptr;
};

std::optional<FoundBlock> find_block(const std::vector<Disk>& disks, const std::string& path) {
  for (const auto& disk : disks) {
    if (std::find(disk.by_id.begin(), disk.by_id.end(), path) != disk.by_id.end() ||
        disk.dev_path == path) {
      return FoundBlock{disk.name,
                        fmt::format("whole disk {} ({}, {})", disk.name,
                                    disk.model.empty() ? "unknown model" : disk.model,
                                    format_bytes(disk.size_bytes)),
                        &disk.usage};
    }
    for (const auto& part : disk.partitions) {
      if (std::find(part.stable_names.begin(), part.stable_names.end(), path) !=
              part.stable_names.end() ||
          "/dev/" + part.name == path) {
        return FoundBlock{
            part.name, fmt::format("partition {} ({})", part.name, format_bytes(part.size_bytes)),
            &part.usage};
      }
    }
  }
  return std::nullopt;
}

std::string usage_reasons(const BlockUsage& usage) {
  std::vector<std::string> reasons;
  if (usage.root) reasons.emplace_back("it holds the host's root file system");
  if (usage.swap) reasons.emplace_back("it is the host's swap");
  if (!usage.mounts.empty())
    reasons.push_back(fmt::format("it is mounted at {}", join(usage.mounts, ", ")));
  if (!usage.holders.empty())
    reasons.push_back(fmt::format("it is part of {}", join(usage.holders, ", ")));
  return join(reasons, "; ");
}

std::string offerable_disks(const std::vector<Disk>& disks) {
  std::vector<std::string> names;
  for (const auto& disk : disks)
    if (disk.offerable()) names.push_back(disk.stable_path());
  return names.empty() ? "none (every disk is in use)" : join(names, ", ");
}

}  // namespace

Result<DiskConfig> choose_block_device(const std::string& path, const std::vector<Disk>& disks,
                                       std::vector<std::string>& notes) {
  auto found = find_block(disks, path);
  if (is_unstable_block_device_name(path)) {
    std::string names;
    if (found) {
      for (const auto& disk : disks) {
        if (disk.name == found->kernel_name && !disk.by_id.empty()) names = join(disk.by_id, ", ");
        for (const auto& part : disk.partitions)
          if (part.name == found->kernel_name) names = join(part.stable_names, ", ");
      }
    }
    return fail(
        "'{}' is a kernel name that can point at another disk after a reboot; give a "
        "stable name instead{}",
        path, names.empty() ? " (ls -l /dev/disk/by-id)" : ": " + names);
  }
  if (!found) {
    return fail("no disk or partition on this host is named '{}'; disks free to give: {}", path,
                offerable_disks(disks));
  }
  if (found->usage != nullptr && found->usage->in_use()) {
    return fail("refusing {} ({}): {}; the guest would corrupt it. Disks free to give: {}", path,
                found->description, usage_reasons(*found->usage), offerable_disks(disks));
  }
  DiskConfig disk;
  disk.path = path;
  notes.push_back(fmt::format("system disk: {}", found->description));
  return disk;
}

namespace {

/// A USB port as `vfg devices usb` may show it ("hostbus=1,hostport=3.1",
/// "USB 1-3.1") in the one spelling definitions use: "1-3.1".
std::string usb_port_spelling(std::string text) {
  if (text.rfind("USB ", 0) == 0) text = text.substr(4);
  constexpr std::string_view kBus = "hostbus=", kPort = ",hostport=";
  size_t port = text.find(kPort);
  if (text.rfind(kBus, 0) == 0 && port != std::string::npos)
    return text.substr(kBus.size(), port - kBus.size()) + "-" + text.substr(port + kPort.size());
  return text;
}

}  // namespace

Result<UsbChoice> choose_usb(const std::string& given, const UsbDevices& usb) {
  std::string text = usb_port_spelling(given);
  UsbHostConfig parsed;
  if (parse_usb_id(text, parsed)) {
    for (const auto& device : usb.devices) {
      if (device.vendor_id == parsed.vendor_id && device.product_id == parsed.product_id)
        return UsbChoice{parsed, device.display_name()};
    }
    return UsbChoice{parsed, text + " (not plugged in now)"};
  }
  for (const auto& device : usb.devices) {
    if (device.name != text) continue;
    if (device.is_root_hub() || device.is_hub()) {
      return fail("USB port {} holds a hub ({}); pass the ports of the devices behind it", text,
                  device.display_name());
    }
    if (!parse_usb_port(text, parsed)) break;
    return UsbChoice{parsed, device.display_name()};
  }
  std::vector<std::string> ports;
  for (const auto& device : usb.devices)
    if (!device.is_root_hub() && !device.is_hub())
      ports.push_back(fmt::format("{} ({})", device.name, device.display_name()));
  return fail("no USB device is plugged into port '{}'; devices now: {} (see 'vfg devices usb')",
              text, ports.empty() ? "none" : join(ports, ", "));
}

}  // namespace vfg
