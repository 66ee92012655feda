// USB devices by port: what QEMU's usb-host wants (hostbus + hostport), the
// IDs and strings people recognise, and the PCI controller each bus hangs
// from (so a whole controller can be passed instead).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"
#include "host/pci.h"

namespace vfg {

/// One USB device (not an interface) from /sys/bus/usb/devices.
struct UsbDevice {
  /// The kernel's name: "3-1.4.2", or "usb3" for a root hub.
  std::string name;
  /// `busnum`: QEMU's hostbus.
  int bus = 0;
  /// `devpath`: QEMU's hostport ("1.4.2"); "0" for a root hub.
  std::string port;
  /// `devnum`: changes on every replug, shown for lsusb users only.
  int address = 0;
  uint16_t vendor_id = 0;
  uint16_t product_id = 0;
  std::string manufacturer;
  std::string product;
  std::string serial;
  /// Mbit/s as the kernel prints it: "1.5", "12", "480", "5000", "10000", "20000".
  std::string speed;
  /// bDeviceClass; 0x09 for hubs.
  uint8_t device_class = 0;
  /// The host controller's PCI function.
  std::optional<PciAddress> controller;
  /// Drivers bound to its interfaces ("usbhid", "snd-usb-audio"), sorted, unique.
  std::vector<std::string> interface_drivers;
  /// Names from usb.ids (empty when unknown).
  std::string vendor_name;
  std::string product_name;
  std::string sysfs_path;

  [[nodiscard]] bool is_root_hub() const { return name.rfind("usb", 0) == 0; }
  [[nodiscard]] bool is_hub() const { return device_class == 0x09; }
  /// "046d:c52b".
  [[nodiscard]] std::string id_string() const;
  /// The string to show people: product, else the database name, else the ID.
  [[nodiscard]] std::string display_name() const;
};

/// Every USB device, sorted by bus and then port path numerically.
struct UsbDevices {
  std::vector<UsbDevice> devices;
};

/// Reads every device below /sys/bus/usb/devices (interfaces are skipped).
UsbDevices scan_usb(const HostRoot& root);

/// Reads one device by its kernel name ("3-1.4"); nullopt for interfaces,
/// names that are not USB devices, or a device that went away.
std::optional<UsbDevice> read_usb_device(const HostRoot& root, std::string_view name);

/// True for device names ("usb1", "1-4", "3-1.4.2"), false for interfaces ("1-4:1.0").
bool is_usb_device_name(std::string_view name);

/// Orders names as people count ports: 1-2 < 1-10, 1-4 < 1-4.1.
bool usb_port_less(const UsbDevice& a, const UsbDevice& b);

}  // namespace vfg
