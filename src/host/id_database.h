// Names for PCI and USB IDs from the hwdata/pciutils/usbutils databases
// (pci.ids, usb.ids). The file is mapped once and searched only for the IDs a
// command asks about: no full parse, so naming a few dozen devices costs a
// fraction of a millisecond rather than the tens lspci spends loading it all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vfg {

/// One ID file in the pci.ids / usb.ids format. Lookups may be made from
/// several threads: the lazily built index and caches are guarded.
class IdDatabase {
 public:
  /// An empty database: every lookup answers "".
  IdDatabase() = default;
  /// Maps `path`; a missing or unreadable file gives an empty database.
  explicit IdDatabase(const std::filesystem::path& path);
  ~IdDatabase();
  IdDatabase(IdDatabase&& other) noexcept;
  IdDatabase& operator=(IdDatabase&& other) noexcept;
  IdDatabase(const IdDatabase&) = delete;
  IdDatabase& operator=(const IdDatabase&) = delete;

  /// The PCI database: $VFG_HWDATA_DIR/pci.ids, else the hwdata/pciutils paths.
  /// One instance per process, opened on first use, so its index is built once.
  static const IdDatabase& pci();
  /// The USB database: $VFG_HWDATA_DIR/usb.ids, else the hwdata/usbutils paths.
  static const IdDatabase& usb();

  [[nodiscard]] bool loaded() const { return data_ != nullptr; }
  /// "NVIDIA Corporation", or "" when unknown.
  [[nodiscard]] std::string vendor(uint16_t vendor_id) const;
  /// "GA102 [GeForce RTX 3080]", or "".
  [[nodiscard]] std::string device(uint16_t vendor_id, uint16_t device_id) const;
  /// A subsystem's name under its device, or "".
  [[nodiscard]] std::string subsystem(uint16_t vendor_id, uint16_t device_id,
                                      uint16_t subsystem_vendor_id,
                                      uint16_t subsystem_device_id) const;
  /// The class, subclass or programming interface name for a PCI class code:
  /// the most specific one known ("VGA compatible controller"), or "".
  [[nodiscard]] std::string pci_class(uint32_t class_code) const;

 private:
  // The lines of the vendor block of `vendor_id` (the vendor line first), or empty.
  [[nodiscard]] std::string_view vendor_block(uint16_t vendor_id) const;
  void index() const;

  const char* data_ = nullptr;
  size_t size_ = 0;
  // Offsets of vendor lines by ID, built on first use with one pass that
  // looks only at the first character of each line.
  mutable std::unordered_map<uint16_t, std::pair<size_t, size_t>> vendors_;
  mutable bool indexed_ = false;
  mutable std::mutex mutex_;
  mutable size_t classes_offset_ = std::string_view::npos;
  // Answers already found: a host has many functions with the same IDs, and a
  // big vendor block (NVIDIA's) is thousands of lines.
  mutable std::unordered_map<uint32_t, std::string> device_names_;
  mutable std::unordered_map<uint64_t, std::string> subsystem_names_;
  mutable std::unordered_map<uint32_t, std::string> class_names_;
};

}  // namespace vfg
