// Syntax of the small strings a VM definition contains: PCI addresses, USB
// ports and ids, port forwards, MAC addresses, block device names.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vm/vm_config.h"

namespace vfg {

/// A PCI address split into its parts.
struct PciAddressParts {
  uint32_t domain = 0;
  uint32_t bus = 0;
  uint32_t device = 0;
  uint32_t function = 0;
};

/// Parses "01:00.0", "0000:01:00.0" or "10000:01:00.0" (Intel VMD domains have 5 digits).
std::optional<PciAddressParts> parse_pci_address(std::string_view text);
/// "dddd:bb:dd.f", lower case, the domain at least 4 digits.
std::string format_pci_address(const PciAddressParts& address);

/// Parses a USB port as sysfs names it: "3-1.4.2" → hostbus 3, hostport "1.4.2".
bool parse_usb_port(std::string_view text, UsbHostConfig& out);
/// Parses "046d:c539" into vendor and product ids.
bool parse_usb_id(std::string_view text, UsbHostConfig& out);

/// Parses "tcp:3389:3389" or "udp:127.0.0.1:27015:27015" (protocol:[address:]host:guest).
std::optional<PortForward> parse_port_forward(std::string_view text);

/// True for "52:54:00:12:34:56" (six hex pairs).
bool valid_mac_address(std::string_view text);

/// The values QEMU 7.2 accepts for input-linux grab-toggle (GrabToggleKeys).
inline constexpr std::array<std::string_view, 6> kGrabToggleKeys = {
    "ctrl-ctrl", "alt-alt", "shift-shift", "meta-meta", "scrolllock", "ctrl-scrolllock"};

/// True when a /dev path is a kernel name that can change between boots
/// ("/dev/nvme0n1p4", "/dev/sda2", "/dev/dm-3") instead of a stable one
/// ("/dev/disk/by-id/...", "/dev/disk/by-partuuid/...", "/dev/mapper/...").
bool is_unstable_block_device_name(std::string_view path);

}  // namespace vfg
