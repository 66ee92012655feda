#include "host/usb.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/sysfs_dir.h"
#include "util/strings.h"

namespace vfg {

namespace {

constexpr std::string_view kUsbDevicesDir = "/sys/bus/usb/devices";

std::vector<int> port_numbers(std::string_view port) {
  std::vector<int> numbers;
  for (const auto& part : split(port, '.'))
    numbers.push_back(static_cast<int>(parse_uint(part).value_or(0)));
  return numbers;
}

}  // namespace

std::string UsbDevice::id_string() const {
  return fmt::format("{:04x}:{:04x}", vendor_id, product_id);
}

std::string UsbDevice::display_name() const {
  if (!product.empty()) return manufacturer.empty() ? product : manufacturer + " " + product;
  if (!product_name.empty())
    return vendor_name.empty() ? product_name : vendor_name + " " + product_name;
  return id_string();
}

bool is_usb_device_name(std::string_view name) {
  if (name.find(':') != std::string_view::npos) return false;
  if (name.rfind("usb", 0) == 0) return name.size() > 3 && parse_uint(name.substr(3)).has_value();
  auto dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  return name.find_first_not_of("0123456789-.") == std::string_view::npos;
}

bool usb_port_less(const UsbDevice& a, const UsbDevice& b) {
  if (a.bus != b.bus) return a.bus < b.bus;
  if (a.is_root_hub() != b.is_root_hub()) return a.is_root_hub();
  return port_numbers(a.port) < port_numbers(b.port);
}

std::optional<UsbDevice> read_usb_device(const HostRoot& root, std::string_view name) {
  if (!is_usb_device_name(name)) return std::nullopt;
  UsbDevice device;
  device.name = std::string(name);
  std::string link_path = join_host_path(kUsbDevicesDir, name);
  auto target = root.read_link(link_path);
  device.sysfs_path = target ? resolve_link_target(kUsbDevicesDir, *target) : link_path;
  SysfsDir dir(root, device.sysfs_path);
  if (!dir.valid()) return std::nullopt;
  auto bus = dir.uint_attr("busnum");
  if (!bus) return std::nullopt;  // not (or no longer) a device
  device.bus = static_cast<int>(*bus);
  device.port = dir.attr("devpath").value_or("");
  if (device.port.empty()) {
    // Older trees: derive it from the name, which is "<bus>-<port path>".
    auto dash = device.name.find('-');
    device.port = dash == std::string::npos ? "0" : device.name.substr(dash + 1);
  }
  device.address = static_cast<int>(dir.uint_attr("devnum").value_or(0));
  device.vendor_id = static_cast<uint16_t>(dir.hex_attr("idVendor").value_or(0));
  device.product_id = static_cast<uint16_t>(dir.hex_attr("idProduct").value_or(0));
  device.manufacturer = std::string(trim(dir.attr("manufacturer").value_or("")));
  device.product = std::string(trim(dir.attr("product").value_or("")));
  device.serial = std::string(trim(dir.attr("serial").value_or("")));
  device.speed = std::string(trim(dir.attr("speed").value_or("")));
  device.device_class = static_cast<uint8_t>(dir.hex_attr("bDeviceClass").value_or(0));
  // The controller is the last PCI function on the way down to the device.
  for (const auto& part : split(device.sysfs_path, '/'))
    if (auto address = PciAddress::parse(part)) device.controller = *address;
  // Interfaces are subdirectories named "<device>:<config>.<interface>".
  std::string prefix = device.name + ":";
  if (device.is_root_hub()) prefix = device.name.substr(3) + "-0:";
  for (const auto& entry : root.list_dir(device.sysfs_path)) {
    if (entry.rfind(prefix, 0) != 0) continue;
    if (auto driver = root.link_basename(join_host_path(device.sysfs_path, entry + "/driver")))
      device.interface_drivers.push_back(*driver);
  }
  std::sort(device.interface_drivers.begin(), device.interface_drivers.end());
  device.interface_drivers.erase(
      std::unique(device.interface_drivers.begin(), device.interface_drivers.end()),
      device.interface_drivers.end());
  return device;
}

UsbDevices scan_usb(const HostRoot& root) {
  UsbDevices result;
  for (const auto& entry : root.list_dir(kUsbDevicesDir)) {
    if (auto device = read_usb_device(root, entry)) result.devices.push_back(std::move(*device));
  }
  std::sort(result.devices.begin(), result.devices.end(), usb_port_less);
  return result;
}

}  // namespace vfg
