#include "vm/config_syntax.h"

#include <cctype>
#include <regex>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

namespace {

bool all_hex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

}  // namespace

std::optional<PciAddressParts> parse_pci_address(std::string_view text) {
  std::vector<std::string> colon = split(text, ':');
  if (colon.size() != 2 && colon.size() != 3) return std::nullopt;
  PciAddressParts parts;
  size_t first = 0;
  if (colon.size() == 3) {
    if (colon[0].size() > 5 || !all_hex(colon[0])) return std::nullopt;
    parts.domain = static_cast<uint32_t>(*parse_hex(colon[0]));
    first = 1;
  }
  const std::string& bus = colon[first];
  std::vector<std::string> dot = split(colon[first + 1], '.');
  if (bus.size() != 2 || !all_hex(bus) || dot.size() != 2) return std::nullopt;
  if (dot[0].size() != 2 || !all_hex(dot[0]) || dot[1].size() != 1 || !all_digits(dot[1])) {
    return std::nullopt;
  }
  parts.bus = static_cast<uint32_t>(*parse_hex(bus));
  parts.device = static_cast<uint32_t>(*parse_hex(dot[0]));
  parts.function = static_cast<uint32_t>(dot[1][0] - '0');
  if (parts.device > 0x1f || parts.function > 7) return std::nullopt;
  return parts;
}

std::string format_pci_address(const PciAddressParts& address) {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", address.domain, address.bus, address.device,
                     address.function);
}

bool parse_usb_port(std::string_view text, UsbHostConfig& out) {
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view bus = text.substr(0, dash);
  std::string_view port = text.substr(dash + 1);
  if (!all_digits(bus) || bus.size() > 3) return false;
  std::vector<std::string> levels = split(port, '.');
  // USB allows a chain of at most 7 tiers: root port plus 6 hubs.
  if (levels.empty() || levels.size() > 7) return false;
  for (const auto& level : levels) {
    if (!all_digits(level) || level.size() > 3 || level == "0") return false;
  }
  uint64_t bus_number = *parse_uint(bus);
  if (bus_number == 0) return false;
  out.hostbus = static_cast<uint32_t>(bus_number);
  out.hostport = std::string(port);
  return true;
}

bool parse_usb_id(std::string_view text, UsbHostConfig& out) {
  std::vector<std::string> parts = split(text, ':');
  if (parts.size() != 2 || parts[0].size() != 4 || parts[1].size() != 4 || !all_hex(parts[0]) ||
      !all_hex(parts[1])) {
    return false;
  }
  out.vendor_id = static_cast<uint16_t>(*parse_hex(parts[0]));
  out.product_id = static_cast<uint16_t>(*parse_hex(parts[1]));
  return true;
}

std::optional<PortForward> parse_port_forward(std::string_view text) {
  std::vector<std::string> parts = split(text, ':');
  if (parts.size() != 3 && parts.size() != 4) return std::nullopt;
  PortForward forward;
  if (parts[0] == "tcp") {
    forward.protocol = PortForward::Protocol::kTcp;
  } else if (parts[0] == "udp") {
    forward.protocol = PortForward::Protocol::kUdp;
  } else {
    return std::nullopt;
  }
  size_t port_index = 1;
  if (parts.size() == 4) {
    forward.host_address = parts[1];
    if (forward.host_address.empty()) return std::nullopt;
    port_index = 2;
  }
  auto port = [](const std::string& value) -> std::optional<uint16_t> {
    if (!all_digits(value)) return std::nullopt;
    auto number = parse_uint(value);
    if (!number || *number == 0 || *number > 65535) return std::nullopt;
    return static_cast<uint16_t>(*number);
  };
  auto host = port(parts[port_index]);
  auto guest = port(parts[port_index + 1]);
  if (!host || !guest) return std::nullopt;
  forward.host_port = *host;
  forward.guest_port = *guest;
  return forward;
}

bool valid_mac_address(std::string_view text) {
  std::vector<std::string> parts = split(text, ':');
  if (parts.size() != 6) return false;
  for (const auto& part : parts) {
    if (part.size() != 2 || !all_hex(part)) return false;
  }
  // The first octet's low bit marks multicast, which a NIC cannot have.
  return (*parse_hex(parts[0]) & 1) == 0;
}

bool is_unstable_block_device_name(std::string_view path) {
  // Kernel names directly under /dev; stable names live in subdirectories.
  static const std::regex kKernelName(
      "/dev/(sd[a-z]+[0-9]*|hd[a-z]+[0-9]*|vd[a-z]+[0-9]*|xvd[a-z]+[0-9]*|"
      "nvme[0-9]+n[0-9]+(p[0-9]+)?|mmcblk[0-9]+(p[0-9]+)?|dm-[0-9]+|md[0-9]+(p[0-9]+)?|"
      "loop[0-9]+(p[0-9]+)?|sr[0-9]+)");
  return std::regex_match(path.begin(), path.end(), kKernelName);
}

}  // namespace vfg
