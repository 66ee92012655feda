// QEMU's command-line grammar, as far as importing needs it: which options
// take a value, and the two ways a value holds properties: the legacy
// "key=value,key=value" list (a doubled ",," is a literal comma; a part
// without '=' is the option's implied key or a flag) and JSON objects
// ("-device {"driver":"vfio-pci",...}", "-blockdev {...}").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vfg {

/// The properties of one option value, in order.
struct QemuProperties {
  std::vector<std::pair<std::string, std::string>> items;
  bool json = false;  ///< written as a JSON object

  /// The value of `key` (the last one wins, as in QEMU), or nullopt.
  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
  [[nodiscard]] std::string get_or(std::string_view key, std::string_view fallback) const {
    return get(key).value_or(std::string(fallback));
  }
  [[nodiscard]] bool has(std::string_view key) const { return get(key).has_value(); }
};

/// One option of a QEMU command line.
struct QemuOption {
  std::string name;   ///< without the leading dashes: "device", "m", "enable-kvm"
  std::string value;  ///< empty for flags
  bool has_value = false;
  QemuProperties properties;  ///< `value` parsed (empty for flags and plain values)
};

/// Splits argv (after the program) into options; a stray word becomes an
/// option named "" (QEMU's "hda" shorthand: a disk image). A legacy
/// "-usbdevice host:VENDOR:PRODUCT" gets the properties of the -device it stood
/// for (driver=usb-host,vendorid=,productid=).
std::vector<QemuOption> parse_qemu_options(const std::vector<std::string>& argv);

/// Parses a value the way option `name` does: JSON when it starts with '{',
/// else a key=value list whose first bare part is the implied key
/// (`implied_key`, e.g. "driver" for -device; "" when the option has none).
QemuProperties parse_qemu_properties(std::string_view value, std::string_view implied_key);

/// Whether a -bios file is SeaBIOS (QEMU's own legacy BIOS) rather than an OVMF
/// image with its variables built in: SeaBIOS's install names ("seabios" in the
/// path, bios.bin, bios-256k.bin).
bool is_seabios_file(std::string_view path);

/// Values QEMU reads as "on" (on, yes, true, y) or "off"; nullopt for others.
std::optional<bool> qemu_bool(std::string_view value);

}  // namespace vfg
