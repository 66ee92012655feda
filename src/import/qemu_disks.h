// Disks and firmware from a QEMU command line: -drive (every if=), -blockdev
// node graphs, the -device that attaches each drive (virtio-blk, scsi-hd,
// ide-hd, ...), the -hda/-cdrom shorthands, -boot order, and OVMF given as
// pflash drives or -bios.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "import/import_report.h"
#include "import/qemu_options.h"

namespace vfg {

class QemuDisks {
 public:
  explicit QemuDisks(const ImportHost& host) : host_(host) {}

  /// Whether `option` defines a drive (-drive, -blockdev, -hda..-hdd, -cdrom, a bare image).
  static bool is_drive(const QemuOption& option);

  /// -drive, -blockdev, -hda..-hdd, -cdrom, a bare image, -boot, -bios, -pflash.
  bool add(const QemuOption& option, const std::string& source);
  /// A -device that attaches a drive or is a disk controller; false for others.
  bool add_device(const QemuProperties& device, const std::string& source);
  /// Fills config.disks and config.firmware and reports each.
  void finish(ImportResult& result);

 private:
  struct Drive {
    std::string source;
    std::string file;
    std::string format;
    std::string cache;
    std::string aio;
    std::string discard;
    bool read_only = false;
    bool cdrom = false;
    bool snapshot = false;
    std::string interface;  ///< if= (virtio, ide, scsi, none, ...), or the attaching device
    std::optional<uint32_t> boot_index;
    bool attached = false;
  };

  Drive& drive_for(const std::string& id, const std::string& source);
  void add_blockdev(const QemuProperties& p, const std::string& source);

  const ImportHost& host_;
  std::vector<Drive> drives_;
  std::map<std::string, size_t> drive_ids_;
  /// -blockdev nodes by node-name, flattened.
  std::map<std::string, QemuProperties> nodes_;
  std::vector<std::pair<std::string, std::string>> pflash_;  ///< (file, source)
  std::vector<std::string> pflash_read_only_;
  std::string bios_;
  /// Reports -boot's settings other than the order, keeping those vfg has no key for.
  void finish_boot_settings(ImportResult& result);

  std::string boot_order_;
  /// -boot's menu=, splash-time=, strict=, ... in the order given.
  std::vector<std::pair<std::string, std::string>> boot_settings_;
  std::string boot_source_;
};

}  // namespace vfg
