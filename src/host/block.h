// Disks and partitions with the stable names QEMU and udev rules should use,
// and everything that makes one unsafe to give to a VM: mounted, holding the
// root filesystem or swap, or part of a RAID array or LVM volume group.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"
#include "host/pci.h"

namespace vfg {

/// What a disk or partition is used for on the host right now.
struct BlockUsage {
  /// Mount points of it (or of a device-mapper/md device built on it).
  std::vector<std::string> mounts;
  /// It holds "/" (directly or through LVM/dm-crypt/RAID).
  bool root = false;
  /// It is swap (directly or underneath).
  bool swap = false;
  /// Devices built on it: "md127 (raid1)", "dm-0 (vgubuntu-root)".
  std::vector<std::string> holders;

  [[nodiscard]] bool in_use() const { return !mounts.empty() || root || swap || !holders.empty(); }
};

/// One partition of a disk.
struct Partition {
  /// "nvme0n1p3".
  std::string name;
  int number = 0;
  uint64_t size_bytes = 0;
  std::string partuuid;
  std::string fs_uuid;
  std::string fs_type;
  std::string label;
  /// Full /dev/disk/by-* paths pointing at it, by-id first.
  std::vector<std::string> stable_names;
  BlockUsage usage;
};

/// One whole disk (NVMe namespace, SATA/SAS/USB disk, virtio disk).
struct Disk {
  /// "nvme0n1", "sda".
  std::string name;
  /// "/dev/nvme0n1": the unstable name, for people only.
  std::string dev_path;
  uint64_t size_bytes = 0;
  std::string model;
  std::string serial;
  /// "nvme", "sata", "usb", "virtio", "scsi" or "".
  std::string transport;
  bool rotational = false;
  bool removable = false;
  /// The PCI function the disk hangs from (NVMe controller, AHCI, xHCI).
  std::optional<PciAddress> controller;
  /// /dev/disk/by-id paths, the most descriptive first (model_serial before wwn/eui).
  std::vector<std::string> by_id;
  std::vector<Partition> partitions;
  /// Use of the whole disk or any of its partitions.
  BlockUsage usage;

  /// The path to give QEMU: the first by-id name, else the /dev name.
  [[nodiscard]] std::string stable_path() const;
  /// False when the disk or any partition is in use: never offer it for passthrough.
  [[nodiscard]] bool offerable() const { return !usage.in_use(); }
};

/// Every disk, sorted by name (loop, ram, zram, device-mapper and md devices
/// are not disks; they show up as holders).
std::vector<Disk> scan_disks(const HostRoot& root);

}  // namespace vfg
