#include "import/qemu_disks.h"

#include <set>

#include <fmt/format.h>

#include "util/strings.h"
#include "vm/config_syntax.h"

namespace vfg {

namespace {

bool is_on(const std::string& value) { return qemu_bool(value).value_or(false); }

std::optional<uint32_t> index_of(const std::string& text) {
  auto value = parse_uint(text);
  if (!value || *value > 99) return std::nullopt;
  return static_cast<uint32_t>(*value);
}

std::optional<DiskCache> cache_of(const std::string& text) {
  if (text == "none") return DiskCache::kNone;
  if (text == "writeback") return DiskCache::kWriteback;
  if (text == "writethrough") return DiskCache::kWritethrough;
  if (text == "directsync") return DiskCache::kDirectsync;
  if (text == "unsafe") return DiskCache::kUnsafe;
  return std::nullopt;
}

std::optional<DiskAio> aio_of(const std::string& text) {
  if (text == "threads") return DiskAio::kThreads;
  if (text == "native") return DiskAio::kNative;
  if (text == "io_uring") return DiskAio::kIoUring;
  return std::nullopt;
}

}  // namespace

bool QemuDisks::is_drive(const QemuOption& option) {
  const std::string& name = option.name;
  return name.empty() || name == "drive" || name == "blockdev" || name == "hda" || name == "hdb" ||
         name == "hdc" || name == "hdd" || name == "cdrom";
}

QemuDisks::Drive& QemuDisks::drive_for(const std::string& id, const std::string& source) {
  auto found = drive_ids_.find(id);
  if (!id.empty() && found != drive_ids_.end()) return drives_[found->second];
  drives_.push_back(Drive{});
  drives_.back().source = source;
  if (!id.empty()) drive_ids_[id] = drives_.size() - 1;
  return drives_.back();
}

void QemuDisks::add_blockdev(const QemuProperties& p, const std::string& source) {
  std::string node = p.get_or("node-name", "");
  nodes_[node] = p;
  std::string driver = p.get_or("driver", "");
  if (driver != "qcow2" && driver != "raw") return;  // protocol nodes are read through these
  Drive& drive = drive_for(node, source);
  drive.format = driver;
  // file is a node name, or the protocol node inline ("file.filename").
  std::string file_node = p.get_or("file", "");
  const QemuProperties* protocol = nodes_.contains(file_node) ? &nodes_[file_node] : nullptr;
  auto from = [&](const std::string& key) {
    if (auto inline_value = p.get("file." + key)) return *inline_value;
    return protocol != nullptr ? protocol->get_or(key, "") : std::string();
  };
  drive.file = from("filename");
  if (from("cache.direct") == "on" || p.get_or("cache.direct", "") == "on") drive.cache = "none";
  drive.aio = from("aio");
  drive.discard = p.get_or("discard", from("discard"));
  drive.read_only = is_on(p.get_or("read-only", "off"));
  drive.interface = "none";
}

bool QemuDisks::add(const QemuOption& option, const std::string& source) {
  const QemuProperties& p = option.properties;
  const std::string& name = option.name;
  if (name == "boot") {
    // Several -boot options merge, as in QEMU.
    if (auto order = p.get("order").value_or(p.get_or("once", "")); !order.empty())
      boot_order_ = order;
    for (const auto& item : p.items)
      if (item.first != "order" && item.first != "once") boot_settings_.push_back(item);
    boot_source_ = source;
    return true;
  }
  if (name == "bios") {
    bios_ = p.get_or("file", option.value);
    pflash_.emplace_back(bios_, source);
    return true;
  }
  if (name == "blockdev") {
    add_blockdev(p, source);
    return true;
  }
  if (name == "drive" && p.get_or("if", "") == "pflash") {
    pflash_.emplace_back(p.get_or("file", ""), source);
    if (is_on(p.get_or("readonly", "off")) || p.get_or("readonly", "") == "on")
      pflash_read_only_.push_back(p.get_or("file", ""));
    return true;
  }
  if (name == "pflash") {
    pflash_.emplace_back(option.value, source);
    return true;
  }
  Drive& drive = drive_for(p.get_or("id", ""), source);
  drive.source = source;
  drive.file = p.get_or("file", "");
  drive.format = p.get_or("format", "");
  drive.cache = p.get_or("cache", "");
  drive.aio = p.get_or("aio", "");
  drive.discard = p.get_or("discard", "");
  drive.read_only = is_on(p.get_or("readonly", "off")) || p.get_or("read-only", "") == "on";
  drive.snapshot = is_on(p.get_or("snapshot", "off"));
  drive.cdrom = p.get_or("media", "") == "cdrom" || name == "cdrom";
  drive.interface = name == "drive" ? p.get_or("if", "ide") : "ide";
  if (auto index = p.get("bootindex")) drive.boot_index = index_of(*index);
  drive.attached = drive.interface != "none";
  return true;
}

void QemuDisks::finish_boot_settings(ImportResult& result) {
  std::vector<std::string> kept;
  std::vector<std::string> defaults;
  for (const auto& [key, value] : boot_settings_) {
    // No menu and no strict order are what QEMU does without them.
    bool is_default = (key == "menu" || key == "strict") && !is_on(value);
    (is_default ? defaults : kept).push_back(key + "=" + value);
  }
  if (!defaults.empty())
    result.carried(boot_source_,
                   fmt::format("{}: QEMU's default, as vfg runs it", join(defaults, ",")));
  if (kept.empty()) return;
  result.config.extra_args.insert(result.config.extra_args.end(), {"-boot", join(kept, ",")});
  result.not_carried(boot_source_, fmt::format("{}: vfg has no key for the firmware's boot menu "
                                               "or a strict boot order; kept in extra_args",
                                               join(kept, ",")));
}

bool QemuDisks::add_device(const QemuProperties& device, const std::string& source) {
  std::string driver = device.get_or("driver", "");
  static const std::set<std::string> kControllers = {"virtio-scsi-pci", "ahci", "ich9-ahci",
                                                     "lsi53c895a", "megasas"};
  if (kControllers.contains(driver)) return true;  // vfg adds the controllers its disks need
  std::string interface;
  if (driver == "virtio-blk-pci" || driver == "virtio-blk")
    interface = "virtio";
  else if (driver == "scsi-hd" || driver == "scsi-cd" || driver == "scsi-block")
    interface = "scsi";
  else if (driver == "ide-hd" || driver == "ide-cd" || driver == "ide-drive")
    interface = "ide";
  else
    return false;
  auto id = device.get("drive");
  if (!id || !drive_ids_.contains(*id)) return false;
  Drive& drive = drives_[drive_ids_[*id]];
  drive.interface = interface;
  drive.attached = true;
  drive.source += " + " + source;
  if (driver.ends_with("-cd")) drive.cdrom = true;
  if (auto index = device.get("bootindex")) drive.boot_index = index_of(*index);
  return true;
}

void QemuDisks::finish(ImportResult& result) {
  VmConfig& config = result.config;
  for (const auto& drive : drives_) {
    if (!drive.attached) {
      result.not_carried(drive.source, "no device attaches this drive, so the guest never saw it");
      continue;
    }
    if (drive.file.empty()) {
      result.not_carried(drive.source, "an empty drive (no file): vfg has no key for it");
      continue;
    }
    DiskConfig disk;
    std::vector<std::string> changes;
    std::string problem;
    auto path = definition_disk_path(host_, drive.file, changes, problem);
    if (!path) {
      result.not_carried(drive.source, problem);
      continue;
    }
    disk.path = *path;
    disk.media = drive.cdrom ? DiskMedia::kCdrom : DiskMedia::kDisk;
    if (drive.interface == "virtio") {
      disk.bus = DiskBus::kVirtioBlk;
    } else if (drive.interface == "scsi") {
      disk.bus = DiskBus::kVirtioScsi;
    } else {
      disk.bus = DiskBus::kSata;
      if (drive.interface != "ide" && drive.interface != "sata")
        changes.push_back(fmt::format("if={} becomes SATA", drive.interface));
      else if (drive.interface == "ide")
        changes.push_back("IDE becomes SATA on q35's AHCI controller (the same disk to Windows)");
    }
    bool image_qcow2 = disk.path.ends_with(".qcow2");
    bool block = is_block_device_path(disk.path);
    if (drive.format == "qcow2" && !image_qcow2) disk.format = DiskFormat::kQcow2;
    if (drive.format == "raw" && image_qcow2) disk.format = DiskFormat::kRaw;
    if (drive.format.empty() && !block && !drive.cdrom)
      changes.push_back(
          "no format= given: vfg names it (qcow2 for *.qcow2, else raw) instead "
          "of letting QEMU guess");
    if (auto cache = cache_of(drive.cache)) {
      DiskCache effective = block ? DiskCache::kNone : DiskCache::kWriteback;
      if (*cache != effective) disk.cache = *cache;
    }
    if (auto aio = aio_of(drive.aio)) {
      DiskAio effective = block ? DiskAio::kNative : DiskAio::kThreads;
      if (*aio != effective) disk.aio = *aio;
    }
    if (!drive.cdrom && drive.discard != "unmap" && drive.discard != "on")
      changes.push_back("vfg passes TRIM through (discard = true)");
    disk.read_only = drive.read_only && !drive.cdrom;
    disk.boot_index = drive.boot_index;
    if (drive.snapshot)
      result.not_carried(drive.source, "snapshot=on (throw writes away): vfg writes to the disk");
    config.disks.push_back(disk);
    std::string where = fmt::format("[[disk]] path = \"{}\"", disk.path);
    if (changes.empty()) result.carried(drive.source, where);
    for (const auto& change : changes) result.changed(drive.source, where + ": " + change);
  }
  // -boot order=d... without bootindex: the first CD-ROM (d) or disk (c) boots first.
  if (!boot_order_.empty()) {
    bool any_index = false;
    for (const auto& disk : config.disks) any_index = any_index || disk.boot_index.has_value();
    if (!any_index) {
      for (char c : boot_order_.substr(0, 1)) {
        DiskMedia wanted = c == 'd' ? DiskMedia::kCdrom : DiskMedia::kDisk;
        for (auto& disk : config.disks) {
          if (disk.media == wanted) {
            disk.boot_index = 1;
            break;
          }
        }
      }
    }
    result.changed(boot_source_,
                   "vfg boots by each disk's boot_index (the first of the order "
                   "gets boot_index = 1)");
  }
  finish_boot_settings(result);
  // Firmware: OVMF as pflash (code read-only, then the VM's variables) or -bios.
  if (pflash_.empty()) {
    config.firmware.type = FirmwareConfig::Type::kBios;
    result.changed("(no firmware option)", "firmware.type = \"bios\": QEMU's default SeaBIOS");
    return;
  }
  if (!bios_.empty() && is_seabios_file(bios_)) {
    config.firmware.type = FirmwareConfig::Type::kBios;
    result.changed(pflash_.front().second,
                   "firmware.type = \"bios\": SeaBIOS, from QEMU's own copy (its default)");
    return;
  }
  if (!bios_.empty() || pflash_.size() == 1) {
    result.changed(pflash_.front().second,
                   "OVMF with its variables built in: vfg picks OVMF from QEMU's firmware "
                   "descriptors and gives the VM its own variables file");
    return;
  }
  std::vector<std::string> ignored;
  config.firmware.code = absolute_source_path(host_, pflash_[0].first, ignored);
  config.firmware.vars = absolute_source_path(host_, pflash_[1].first, ignored);
  result.carried(pflash_[0].second, fmt::format("firmware.code = \"{}\"", pflash_[0].first));
  result.changed(pflash_[1].second,
                 fmt::format("firmware.vars = \"{}\": vfg copies it once to the VM's data "
                             "directory and boots from the copy (the boot entries come along)",
                             pflash_[1].first));
}

}  // namespace vfg
