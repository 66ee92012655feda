// Disks and CD-ROMs: -blockdev nodes (protocol + format) and their devices.
#include <fmt/format.h>

#include "vm/argv_context.h"

namespace vfg {

namespace {

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

DiskCache resolve_cache(const DiskConfig& disk) {
  if (disk.cache != DiskCache::kAuto) return disk.cache;
  // Block devices bypass the host page cache (no double caching, and
  // aio=native needs O_DIRECT); images use it, which suits sparse files.
  return is_block_device_path(disk.path) ? DiskCache::kNone : DiskCache::kWriteback;
}

DiskAio resolve_aio(const DiskConfig& disk) {
  if (disk.aio != DiskAio::kAuto) return disk.aio;
  return is_block_device_path(disk.path) && resolve_cache(disk) == DiskCache::kNone
             ? DiskAio::kNative
             : DiskAio::kThreads;
}

std::string_view aio_name(DiskAio aio) {
  switch (aio) {
    case DiskAio::kNative:
      return "native";
    case DiskAio::kIoUring:
      return "io_uring";
    case DiskAio::kThreads:
    case DiskAio::kAuto:
      break;
  }
  return "threads";
}

std::string_view format_name(const DiskConfig& disk) {
  if (disk.format == DiskFormat::kQcow2) return "qcow2";
  if (disk.format == DiskFormat::kRaw || is_block_device_path(disk.path)) return "raw";
  return ends_with(disk.path, ".qcow2") ? "qcow2" : "raw";
}

/// The node name of the disk's format layer.
std::string add_blockdevs(ArgvContext& context, const DiskConfig& disk, size_t index) {
  std::string node = fmt::format("disk{}", index);
  DiskCache cache = resolve_cache(disk);
  bool direct = cache == DiskCache::kNone || cache == DiskCache::kDirectsync;
  bool no_flush = cache == DiskCache::kUnsafe;
  bool read_only = disk.read_only || disk.media == DiskMedia::kCdrom;
  Json cache_options = {{"direct", direct}, {"no-flush", no_flush}};
  bool block = is_block_device_path(disk.path);
  Json file = {{"driver", block ? "host_device" : "file"},
               {"filename", disk.path},
               {"node-name", node + "-file"},
               {"cache", cache_options},
               {"aio", aio_name(resolve_aio(disk))}};
  if (disk.discard && !read_only) file["discard"] = "unmap";
  if (read_only) file["read-only"] = true;
  context.add_json("-blockdev", file);
  Json format = {{"driver", format_name(disk)},
                 {"file", node + "-file"},
                 {"node-name", node},
                 {"cache", cache_options}};
  if (disk.discard && !read_only) format["discard"] = "unmap";
  if (read_only) format["read-only"] = true;
  context.add_json("-blockdev", format);
  return node;
}

/// Device properties every bus shares: boot order, serial, write cache.
void add_common(Json& device, const DiskConfig& disk) {
  if (disk.boot_index) device["bootindex"] = *disk.boot_index;
  if (!disk.serial.empty() && disk.media == DiskMedia::kDisk) device["serial"] = disk.serial;
  // writethrough and directsync: the guest sees no volatile write cache.
  DiskCache cache = resolve_cache(disk);
  if (cache == DiskCache::kWritethrough || cache == DiskCache::kDirectsync) {
    device["write-cache"] = "off";
  }
}

}  // namespace

void add_disks(ArgvContext& context) {
  const auto& disks = context.config.disks;
  if (disks.empty()) return;
  bool virtio = false;
  bool scsi = false;
  for (const auto& disk : disks) {
    virtio = virtio || disk.bus != DiskBus::kSata;
    scsi = scsi || disk.bus == DiskBus::kVirtioScsi;
  }
  // One I/O thread takes disk work off the main loop (the launcher can pin it).
  if (virtio) context.add_json("-object", Json{{"qom-type", "iothread"}, {"id", "io0"}});
  if (scsi) {
    context.add_json("-device", Json{{"driver", "virtio-scsi-pci"},
                                     {"id", "scsi0"},
                                     {"bus", context.root_port()},
                                     {"addr", "00.0"},
                                     {"iothread", "io0"}});
  }
  size_t sata_port = 0;
  for (size_t i = 0; i < disks.size(); ++i) {
    const DiskConfig& disk = disks[i];
    std::string node = add_blockdevs(context, disk, i);
    bool cdrom = disk.media == DiskMedia::kCdrom;
    Json device;
    switch (disk.bus) {
      case DiskBus::kVirtioBlk:
        device = {{"driver", "virtio-blk-pci"}, {"drive", node},  {"id", node + "-dev"},
                  {"bus", context.root_port()}, {"addr", "00.0"}, {"iothread", "io0"}};
        break;
      case DiskBus::kVirtioScsi:
        device = {{"driver", cdrom ? "scsi-cd" : "scsi-hd"},
                  {"drive", node},
                  {"id", node + "-dev"},
                  {"bus", "scsi0.0"}};
        // Windows treats a disk with rotation rate 1 as an SSD (TRIM, no defrag).
        if (!cdrom) device["rotation_rate"] = 1;
        break;
      case DiskBus::kSata:
        // q35's built-in AHCI controller (00:1f.2) has six ports, ide.0..ide.5.
        device = {{"driver", cdrom ? "ide-cd" : "ide-hd"},
                  {"drive", node},
                  {"id", node + "-dev"},
                  {"bus", fmt::format("ide.{}", sata_port++)}};
        if (!cdrom) device["rotation_rate"] = 1;
        break;
    }
    add_common(device, disk);
    context.add_json("-device", device);
  }
}

}  // namespace vfg
