// Readers of the device sections: disks, GPUs, USB, input, network, Looking Glass.
#include <fmt/format.h>

#include "vm/config_sections.h"
#include "vm/config_syntax.h"

namespace vfg {

namespace {

/// Reads a PCI address key into its normalised form; false (with an error) when malformed.
bool read_pci_address(TableReader& table, std::string_view key, const ConfigValue& value,
                      std::string& out) {
  if (value.kind != ConfigValue::Kind::kString) {
    table.error(key, fmt::format("expected a PCI address string such as \"01:00.0\", got {}",
                                 with_article(value.kind)));
    return false;
  }
  auto parsed = parse_pci_address(value.string);
  if (!parsed) {
    table.error(key, fmt::format("'{}' is not a PCI address; write it as \"01:00.0\" or "
                                 "\"0000:01:00.0\" (see 'lspci -D')",
                                 value.string));
    return false;
  }
  out = format_pci_address(*parsed);
  return true;
}

}  // namespace

void read_disk(TableReader& table, DiskConfig& disk) {
  table.require("path");
  table.read_path("path", disk.path);
  table.read_enum("media", disk.media, {{"disk", DiskMedia::kDisk}, {"cdrom", DiskMedia::kCdrom}});
  // A CD-ROM cannot be virtio-blk; SATA is what every installer finds.
  if (disk.media == DiskMedia::kCdrom) disk.bus = DiskBus::kSata;
  table.read_enum("bus", disk.bus,
                  {{"virtio-blk", DiskBus::kVirtioBlk},
                   {"virtio-scsi", DiskBus::kVirtioScsi},
                   {"sata", DiskBus::kSata}});
  table.read_enum(
      "format", disk.format,
      {{"auto", DiskFormat::kAuto}, {"qcow2", DiskFormat::kQcow2}, {"raw", DiskFormat::kRaw}});
  table.read_enum("cache", disk.cache,
                  {{"auto", DiskCache::kAuto},
                   {"none", DiskCache::kNone},
                   {"writeback", DiskCache::kWriteback},
                   {"writethrough", DiskCache::kWritethrough},
                   {"directsync", DiskCache::kDirectsync},
                   {"unsafe", DiskCache::kUnsafe}});
  table.read_enum("aio", disk.aio,
                  {{"auto", DiskAio::kAuto},
                   {"threads", DiskAio::kThreads},
                   {"native", DiskAio::kNative},
                   {"io_uring", DiskAio::kIoUring}});
  table.read_bool("discard", disk.discard);
  table.read_bool("read_only", disk.read_only);
  table.read_uint("boot_index", disk.boot_index, 0, 99);
  table.read_string("serial", disk.serial);
  if (disk.serial.size() > 20) {
    table.error("serial", "is longer than 20 characters (the limit of virtio and ATA serials)");
  }
}

void read_gpu(TableReader& table, GpuConfig& gpu) {
  table.require("address");
  if (const ConfigValue* value = table.get_any("address")) {
    if (read_pci_address(table, "address", *value, gpu.address) && gpu.address.back() != '0') {
      table.error("address",
                  fmt::format("'{}' is not function 0 of the card; give function 0 here and the "
                              "others in 'functions'",
                              value->string));
    }
  }
  // functions = "all" | ["01:00.1", ...]
  if (const ConfigValue* value = table.get_any("functions")) {
    if (value->kind == ConfigValue::Kind::kString) {
      if (value->string != "all") {
        table.error("functions",
                    fmt::format("'{}' is not \"all\" or a list of PCI addresses", value->string));
      }
    } else if (value->kind == ConfigValue::Kind::kArray) {
      gpu.all_functions = false;
      for (const auto& item : value->items) {
        std::string address;
        if (read_pci_address(table, "functions", item, address)) gpu.functions.push_back(address);
      }
    } else {
      table.error("functions", fmt::format("expected \"all\" or a list of PCI addresses, got {}",
                                           with_article(value->kind)));
    }
  }
  table.read_path("rom", gpu.rom_file);
  table.read_bool("rom_bar", gpu.rom_bar);
  table.read_bool("x_vga", gpu.x_vga);
  table.read_enum("binding", gpu.binding,
                  {{"boot", GpuBinding::kBoot}, {"start", GpuBinding::kStart}});
}

void read_usb(TableReader& table, UsbHostConfig& usb) {
  const ConfigValue* port = table.get("port", ConfigValue::Kind::kString);
  const ConfigValue* id = table.get("id", ConfigValue::Kind::kString);
  if (port != nullptr && id != nullptr) {
    table.error("id", "give either 'port' or 'id', not both");
    return;
  }
  if (port != nullptr && !parse_usb_port(port->string, usb)) {
    table.error("port", fmt::format("'{}' is not a USB port; write it as sysfs names it, "
                                    "BUS-PORT[.PORT...] such as \"3-1.4.2\" (see 'lsusb -t')",
                                    port->string));
  }
  if (id != nullptr && !parse_usb_id(id->string, usb)) {
    table.error("id", fmt::format("'{}' is not a USB id; write VENDOR:PRODUCT in hex, such as "
                                  "\"046d:c539\" (see 'lsusb')",
                                  id->string));
  }
  if (port == nullptr && id == nullptr && table.get_any("port") == nullptr &&
      table.get_any("id") == nullptr) {
    table.error("port", "a USB device needs 'port' (\"3-1.4.2\") or 'id' (\"046d:c539\")");
  }
}

void read_input(TableReader& table, InputConfig& input) {
  table.require("evdev");
  table.read_path("evdev", input.evdev);
  table.read_bool("grab_all", input.grab_all);
  table.read_bool("repeat", input.repeat);
  if (const ConfigValue* value = table.get("grab_toggle", ConfigValue::Kind::kString)) {
    std::vector<std::string> names(kGrabToggleKeys.begin(), kGrabToggleKeys.end());
    bool valid = false;
    for (const auto& name : names) valid = valid || name == value->string;
    if (valid) {
      input.grab_toggle = value->string;
    } else {
      table.enum_error("grab_toggle", *value, names);
    }
  }
}

void read_network(TableReader& table, NetworkConfig& network) {
  table.read_enum("mode", network.mode,
                  {{"user", NetworkMode::kUser},
                   {"bridge", NetworkMode::kBridge},
                   {"tap", NetworkMode::kTap},
                   {"none", NetworkMode::kNone}});
  table.read_enum("model", network.model,
                  {{"virtio", NicModel::kVirtio}, {"e1000e", NicModel::kE1000e}});
  if (const ConfigValue* value = table.get("mac", ConfigValue::Kind::kString)) {
    if (valid_mac_address(value->string)) {
      network.mac = value->string;
    } else {
      table.error("mac", fmt::format("'{}' is not a unicast MAC address such as "
                                     "\"52:54:00:12:34:56\"",
                                     value->string));
    }
  }
  table.read_path("smb", network.smb);
  if (const ConfigValue* value = table.get("forwards", ConfigValue::Kind::kArray)) {
    for (const auto& item : value->items) {
      auto forward =
          item.kind == ConfigValue::Kind::kString ? parse_port_forward(item.string) : std::nullopt;
      if (!forward) {
        table.error("forwards",
                    fmt::format("'{}' is not a port forward; write \"tcp:HOSTPORT:GUESTPORT\" or "
                                "\"udp:ADDRESS:HOSTPORT:GUESTPORT\"",
                                item.kind == ConfigValue::Kind::kString ? item.string
                                                                        : kind_name(item.kind)));
        continue;
      }
      network.forwards.push_back(*forward);
    }
  }
  table.read_string("bridge", network.bridge);
  table.read_string("tap", network.tap);
}

void read_looking_glass(TableReader& table, LookingGlassConfig& looking_glass) {
  table.read_bool("enabled", looking_glass.enabled);
  table.read_uint("width", looking_glass.width, 640, 15360);
  table.read_uint("height", looking_glass.height, 480, 8640);
  table.read_bool("hdr", looking_glass.hdr);
  table.read_enum(
      "backend", looking_glass.backend,
      {{"kvmfr", LookingGlassConfig::Backend::kKvmfr}, {"shm", LookingGlassConfig::Backend::kShm}});
  table.read_path("device", looking_glass.device);
  table.read_path("shm_path", looking_glass.shm_path);
  table.read_size("size", looking_glass.size);
}

}  // namespace vfg
