#include "host/pci.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/sysfs_dir.h"
#include "util/strings.h"

namespace vfg {

namespace {

std::optional<uint32_t> parse_hex_field(std::string_view text, size_t min_digits,
                                        size_t max_digits) {
  if (text.size() < min_digits || text.size() > max_digits) return std::nullopt;
  if (text.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
    return std::nullopt;
  auto value = parse_hex(text);
  if (!value) return std::nullopt;
  return static_cast<uint32_t>(*value);
}

}  // namespace

std::optional<PciAddress> PciAddress::parse(std::string_view text) {
  text = trim(text);
  PciAddress address;
  // The domain is optional; it is present when there are two colons.
  auto first_colon = text.find(':');
  auto last_colon = text.rfind(':');
  if (first_colon == std::string_view::npos) return std::nullopt;
  if (first_colon != last_colon) {
    auto domain = parse_hex_field(text.substr(0, first_colon), 1, 8);
    if (!domain) return std::nullopt;
    address.domain = *domain;
    text.remove_prefix(first_colon + 1);
  }
  auto colon = text.find(':');
  auto dot = text.find('.');
  if (colon == std::string_view::npos || dot == std::string_view::npos || dot < colon)
    return std::nullopt;
  auto bus = parse_hex_field(text.substr(0, colon), 1, 2);
  auto device = parse_hex_field(text.substr(colon + 1, dot - colon - 1), 1, 2);
  auto function = parse_hex_field(text.substr(dot + 1), 1, 1);
  if (!bus || !device || !function || *device > 0x1f || *function > 7) return std::nullopt;
  address.bus = static_cast<uint8_t>(*bus);
  address.device = static_cast<uint8_t>(*device);
  address.function = static_cast<uint8_t>(*function);
  return address;
}

std::string PciAddress::to_string() const {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

std::string hex4(uint16_t value) { return fmt::format("{:04x}", value); }

std::string PciFunction::id_string() const {
  return fmt::format("{:04x}:{:04x}", vendor_id, device_id);
}

bool PciFunction::is_below(const PciAddress& bridge) const {
  return std::find(parents.begin(), parents.end(), bridge) != parents.end();
}

const PciFunction* PciDevices::find(const PciAddress& address) const {
  auto it = std::lower_bound(
      functions.begin(), functions.end(), address,
      [](const PciFunction& function, const PciAddress& key) { return function.address < key; });
  if (it == functions.end() || it->address != address) return nullptr;
  return &*it;
}

std::vector<const PciFunction*> PciDevices::slot(const PciAddress& address) const {
  std::vector<const PciFunction*> result;
  PciAddress first = address;
  first.function = 0;
  auto it = std::lower_bound(
      functions.begin(), functions.end(), first,
      [](const PciFunction& function, const PciAddress& key) { return function.address < key; });
  for (; it != functions.end() && it->address.same_slot(address); ++it) result.push_back(&*it);
  return result;
}

PciHeaderType header_type_from(std::optional<uint8_t> config_header_byte, uint32_t class_code) {
  if (config_header_byte) {
    switch (*config_header_byte & 0x7f) {  // bit 7 only says "multi-function"
      case 0:
        return PciHeaderType::kNormal;
      case 1:
        return PciHeaderType::kBridge;
      case 2:
        return PciHeaderType::kCardBus;
      default:
        break;  // a broken header: fall back to the class
    }
  }
  if (class_code == kPciClassUnknown) return PciHeaderType::kUnknown;
  switch (class_code >> 8) {
    case 0x0604:  // PCI-to-PCI bridge
    case 0x0609:  // semi-transparent PCI-to-PCI bridge
      return PciHeaderType::kBridge;
    case 0x0607:
      return PciHeaderType::kCardBus;
    default:
      return PciHeaderType::kNormal;
  }
}

namespace {

constexpr std::string_view kPciDevicesDir = "/sys/bus/pci/devices";

PciFunction read_function(const HostRoot& root, const PciAddress& address,
                          const std::string& entry) {
  PciFunction function;
  function.address = address;
  std::string link_path = join_host_path(kPciDevicesDir, entry);
  // Resolve the bus link once, lexically: its target is the device's real
  // directory, whose path also spells out the bridges above it.
  if (auto target = root.read_link(link_path)) {
    function.sysfs_path = resolve_link_target(kPciDevicesDir, *target);
  } else {
    function.sysfs_path = root.resolve(link_path).value_or(link_path);
  }
  for (const auto& part : split(function.sysfs_path, '/')) {
    // Root buses ("pci0000:00", "pci10000:e0") do not parse as addresses.
    if (auto bridge = PciAddress::parse(part); bridge && *bridge != address)
      function.parents.push_back(*bridge);
  }

  SysfsDir dir(root, function.sysfs_path);
  // The first 64 bytes of config space (all an unprivileged reader gets) hold
  // the IDs, revision, header type and, for endpoints, the subsystem: one
  // read instead of six. SR-IOV virtual functions read 0xffff there, so the
  // kernel's own attributes are the fallback.
  std::optional<uint8_t> header_byte;
  auto config = dir.bytes("config", 64);
  auto config_u16 = [&config](size_t offset) {
    return static_cast<uint16_t>(static_cast<uint8_t>((*config)[offset]) |
                                 static_cast<uint8_t>((*config)[offset + 1]) << 8);
  };
  bool config_ok =
      config && config->size() >= 0x30 && config_u16(0) != 0xffff && config_u16(2) != 0xffff;
  if (config_ok) {
    function.vendor_id = config_u16(0);
    function.device_id = config_u16(2);
    function.revision = static_cast<uint8_t>((*config)[0x08]);
    header_byte = static_cast<uint8_t>((*config)[0x0e]);
  } else {
    if (auto vendor = dir.hex_attr("vendor")) function.vendor_id = static_cast<uint16_t>(*vendor);
    if (auto device = dir.hex_attr("device")) function.device_id = static_cast<uint16_t>(*device);
    if (auto value = dir.hex_attr("revision"); value && *value <= 0xff)
      function.revision = static_cast<uint8_t>(*value);
    if (config && config->size() > 0x0e) header_byte = static_cast<uint8_t>((*config)[0x0e]);
  }
  // The kernel may fix up a class (quirks), so its attribute wins over config space.
  if (auto value = dir.hex_attr("class"); value && *value <= 0xffffff)
    function.class_code = static_cast<uint32_t>(*value);
  function.header_type = header_type_from(header_byte, function.class_code);
  if (config_ok && (*header_byte & 0x7f) == 0) {
    function.subsystem_vendor_id = config_u16(0x2c);
    function.subsystem_device_id = config_u16(0x2e);
  } else {
    // Bridges keep theirs in a capability further into config space.
    if (auto value = dir.hex_attr("subsystem_vendor"))
      function.subsystem_vendor_id = static_cast<uint16_t>(*value);
    if (auto value = dir.hex_attr("subsystem_device"))
      function.subsystem_device_id = static_cast<uint16_t>(*value);
  }
  function.driver = dir.link_basename("driver");
  if (function.driver && *function.driver != "." && *function.driver != "..")
    function.driver_module =
        root.link_basename("/sys/bus/pci/drivers/" + *function.driver + "/module");
  if (auto group = dir.link_basename("iommu_group")) {
    if (auto number = parse_uint(*group); number && *number < 1u << 30)
      function.iommu_group = static_cast<int>(*number);
  }
  // The kernel gives only VGA-class functions a boot_vga attribute.
  if (auto boot_vga = function.class_id() == 0x0300 ? dir.attr("boot_vga") : std::nullopt) {
    if (*boot_vga == "1") function.boot_vga = true;
    if (*boot_vga == "0") function.boot_vga = false;
  }
  if (auto methods = dir.attr("reset_method")) function.reset_methods = split_whitespace(*methods);
  return function;
}

}  // namespace

PciDevices scan_pci(const HostRoot& root) {
  PciDevices devices;
  for (const auto& entry : root.list_dir(kPciDevicesDir)) {
    auto address = PciAddress::parse(entry);
    if (!address) continue;
    devices.functions.push_back(read_function(root, *address, entry));
  }
  std::sort(devices.functions.begin(), devices.functions.end(),
            [](const PciFunction& a, const PciFunction& b) { return a.address < b.address; });
  return devices;
}

}  // namespace vfg
