#include "import/command_facts.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "import/qemu_options.h"
#include "util/strings.h"
#include "vm/config_syntax.h"
#include "vm/config_writer.h"

namespace vfg {

namespace {

std::string on_off(const std::string& value) {
  auto parsed = qemu_bool(value);
  return parsed ? (*parsed ? "on" : "off") : value;
}

std::string size_of(std::string text, bool default_mib) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.back())) != 0 && default_mib)
    text += "M";
  auto size = parse_size(text);
  return size ? size_text(*size) : text;
}

std::string hugepages_of(const std::string& path) {
  return path.find("1G") != std::string::npos || path.find("1048576") != std::string::npos ? "1G"
                                                                                           : "2M";
}

/// Properties that only place a device or link it to another option.
bool plumbing(const std::string& key) {
  static const std::set<std::string> kKeys = {
      "id",        "bus",     "addr",          "driver",        "chassis",  "port",
      "node-name", "drive",   "netdev",        "memdev",        "audiodev", "iothread",
      "qom-type",  "chardev", "rotation_rate", "multifunction", "tpmdev"};
  return kKeys.contains(key);
}

class FactReader {
 public:
  FactReader(const std::vector<std::string>& argv, const ImportHost& host)
      : options_(parse_qemu_options(argv)), host_(host) {
    for (const auto& option : options_) {
      std::string id = option.properties.get_or(option.name == "blockdev" ? "node-name" : "id", "");
      if (!id.empty()) by_id_[option.name + ":" + id] = &option;
    }
  }

  CommandFacts read() {
    for (const auto& option : options_) read(option);
    for (const auto& [id, drive] : drives_) {
      if (used_drives_.contains(id) || drive.get_or("if", "ide") == "none") continue;
      add_disk(drive, drive.get_or("if", "ide"), {});
    }
    return std::move(facts_);
  }

 private:
  const QemuProperties* find(const std::string& kind, const std::string& id) {
    auto found = by_id_.find(kind + ":" + id);
    return found == by_id_.end() ? nullptr : &found->second->properties;
  }

  /// The image file under a -blockdev node: a protocol node's filename, through
  /// the format nodes above it (libvirt's libvirt-pflash0-format → -storage).
  std::string image_of_node(const std::string& node) {
    std::string name = node;
    for (int depth = 0; depth < 8; ++depth) {
      const QemuProperties* properties = find("blockdev", name);
      if (properties == nullptr) return "";
      if (auto file = properties->get("filename")) return *file;
      if (auto file = properties->get("file.filename")) return *file;
      auto below = properties->get("file");
      if (!below) return "";
      name = *below;
    }
    return "";
  }

  void memory_backend(const QemuProperties& backend) {
    auto& memory = facts_["memory"];
    if (auto size = backend.get("size")) memory["size"] = size_of(*size, false);
    std::string type = backend.get_or("qom-type", "");
    if (type == "memory-backend-file" &&
        backend.get_or("mem-path", "").find("huge") != std::string::npos)
      memory["hugepages"] = hugepages_of(backend.get_or("mem-path", ""));
    if (type == "memory-backend-memfd" && on_off(backend.get_or("hugetlb", "off")) == "on")
      memory["hugepages"] = size_of(backend.get_or("hugetlbsize", "2M"), false);
    if (on_off(backend.get_or("prealloc", "off")) == "on") memory["prealloc"] = "on";
  }

  void add_disk(const QemuProperties& drive, const std::string& bus, const QemuProperties& device) {
    std::string file = drive.get_or("file", "");
    std::string format = drive.get_or("format", "");
    std::string direct = "off";
    std::string aio = drive.get_or("aio", "threads");
    std::string discard = drive.get_or("discard", "ignore");
    std::string read_only = on_off(drive.get_or("readonly", drive.get_or("read-only", "off")));
    std::string cache = drive.get_or("cache", "writeback");
    if (cache == "none" || cache == "directsync") direct = "on";
    if (drive.has("driver")) {
      // A -blockdev format node and its protocol node.
      format = drive.get_or("driver", "");
      const QemuProperties* protocol = find("blockdev", drive.get_or("file", ""));
      QemuProperties empty;
      const QemuProperties& proto = protocol != nullptr ? *protocol : empty;
      file = drive.get_or("file.filename", proto.get_or("filename", ""));
      direct = on_off(drive.get_or("cache.direct", proto.get_or("cache.direct", "off")));
      aio = drive.get_or("file.aio", proto.get_or("aio", "threads"));
      discard = drive.get_or("discard", proto.get_or("discard", "ignore"));
      read_only = on_off(drive.get_or("read-only", proto.get_or("read-only", "off")));
    }
    if (discard == "on") discard = "unmap";
    if (discard == "off") discard = "ignore";
    // Relative and "~/" paths as the importer reads them, kernel names as their stable names.
    std::vector<std::string> ignored;
    file = absolute_source_path(host_, file, ignored);
    std::string stable = stable_block_name(host_, file);
    auto& disk = facts_["disk " + (stable.empty() ? file : stable)];
    bool cdrom =
        drive.get_or("media", "") == "cdrom" || device.get_or("driver", "").ends_with("-cd");
    disk["media"] = cdrom ? "cdrom" : "disk";
    disk["bus"] = bus;
    if (!format.empty()) disk["format"] = format;
    if (!cdrom) {
      disk["host cache bypass"] = direct;
      disk["aio"] = aio;
      disk["discard"] = discard;
    }
    if (read_only == "on" && !cdrom) disk["read-only"] = "on";
    if (auto index = device.get("bootindex")) disk["bootindex"] = *index;
    if (auto index = drive.get("bootindex")) disk["bootindex"] = *index;
    if (on_off(drive.get_or("snapshot", "off")) == "on") disk["snapshot"] = "on";
  }

  void read_device(const QemuOption& option) {
    const QemuProperties& p = option.properties;
    std::string driver = p.get_or("driver", "");
    if (driver == "vfio-pci") {
      auto address = parse_pci_address(p.get_or("host", p.get_or("sysfsdev", "")));
      std::string key =
          "vfio-pci " + (address ? format_pci_address(*address) : p.get_or("host", "?"));
      auto& device = facts_[key];
      device["x-vga"] = on_off(p.get_or("x-vga", "off"));
      if (auto rom = p.get("romfile")) device["romfile"] = *rom;
      // rombar=1 is QEMU's default.
      if (auto rombar = p.get("rombar"); rombar && *rombar != "1") device["rombar"] = *rombar;
      if (auto index = p.get("bootindex")) device["bootindex"] = *index;
      return;
    }
    if (driver == "usb-host") {
      std::string key;
      if (p.has("hostport"))
        key =
            fmt::format("usb-host port {}-{}", p.get_or("hostbus", "?"), p.get_or("hostport", "?"));
      else if (p.has("vendorid"))
        key = fmt::format("usb-host id {:04x}:{:04x}",
                          parse_uint(p.get_or("vendorid", "0")).value_or(0),
                          parse_uint(p.get_or("productid", "0")).value_or(0));
      else
        key = fmt::format("usb-host bus {} address {}", p.get_or("hostbus", "?"),
                          p.get_or("hostaddr", "?"));
      facts_[key]["present"] = "yes";
      return;
    }
    static const std::map<std::string, std::string> kDiskBus = {{"virtio-blk-pci", "virtio"},
                                                                {"virtio-blk", "virtio"},
                                                                {"scsi-hd", "scsi"},
                                                                {"scsi-cd", "scsi"},
                                                                {"scsi-block", "scsi"},
                                                                {"ide-hd", "ide"},
                                                                {"ide-cd", "ide"},
                                                                {"ide-drive", "ide"}};
    if (auto bus = kDiskBus.find(driver); bus != kDiskBus.end()) {
      std::string id = p.get_or("drive", "");
      used_drives_.insert(id);
      if (const QemuProperties* drive = find("drive", id)) {
        add_disk(*drive, bus->second, p);
      } else if (const QemuProperties* node = find("blockdev", id)) {
        add_disk(*node, bus->second, p);
      }
      return;
    }
    if (driver == "ivshmem-plain" || driver == "ivshmem") {
      auto& lg = facts_["ivshmem (Looking Glass)"];
      if (const QemuProperties* backend = find("object", p.get_or("memdev", ""))) {
        lg["mem-path"] = backend->get_or("mem-path", "");
        lg["size"] = size_of(backend->get_or("size", ""), false);
      } else {
        lg["mem-path"] = "/dev/shm/" + p.get_or("shm", "");
        lg["size"] = size_of(p.get_or("size", ""), false);
      }
      return;
    }
    static const std::set<std::string> kNics = {"virtio-net-pci", "virtio-net", "e1000",
                                                "e1000e",         "rtl8139",    "e1000-82545em"};
    if (kNics.contains(driver)) {
      auto& nic = facts_["network"];
      nic["model"] = driver;
      if (auto mac = p.get("mac")) nic["mac"] = *mac;
      if (auto index = p.get("bootindex")) nic["bootindex"] = *index;
      if (const QemuProperties* netdev = find("netdev", p.get_or("netdev", "")))
        netdev_facts(*netdev);
      return;
    }
    static const std::set<std::string> kSound = {"ich9-intel-hda", "intel-hda", "AC97",
                                                 "ac97",           "sb16",      "usb-audio"};
    if (kSound.contains(driver)) {
      facts_["sound"]["controller"] = driver;
      return;
    }
    if (driver.starts_with("hda-")) {
      facts_["sound"]["codec"] = driver;
      return;
    }
    if (driver == "tpm-tis" || driver == "tpm-crb") {
      facts_["tpm"]["present"] = "yes";
      return;
    }
    auto& device = facts_["device " + driver];
    for (const auto& [key, value] : p.items)
      if (!plumbing(key)) device[key] = value;
    if (device.empty()) device["present"] = "yes";
  }

  void netdev_facts(const QemuProperties& netdev) {
    auto& network = facts_["network"];
    network["type"] = netdev.get_or("type", "");
    std::vector<std::string> forwards;
    for (const auto& [key, value] : netdev.items) {
      if (key == "hostfwd")
        forwards.push_back(value);
      else if (key == "smb" || key == "ifname" || key == "br")
        network[key] = value;
    }
    std::sort(forwards.begin(), forwards.end());
    if (!forwards.empty()) network["hostfwd"] = join(forwards, " ");
  }

  void read(const QemuOption& option) {
    const QemuProperties& p = option.properties;
    const std::string& name = option.name;
    if (name == "machine" || name == "M") {
      std::string type = p.get_or("type", "");
      if (!type.empty())
        facts_["machine"]["type"] = type.find("q35") != std::string::npos ? "q35" : "i440fx";
      if (p.get_or("accel", "").starts_with("kvm")) facts_["accel"]["accelerator"] = "kvm";
      if (auto backend = p.get("memory-backend"))
        if (const QemuProperties* object = find("object", *backend)) memory_backend(*object);
      if (auto node = p.get("pflash0")) facts_["firmware"]["code"] = image_of_node(*node);
      if (auto node = p.get("pflash1")) facts_["firmware"]["vars"] = image_of_node(*node);
      for (const auto& [key, value] : p.items)
        if (key != "type" && key != "accel" && key != "memory-backend" &&
            !key.starts_with("pflash"))
          facts_["machine"][key] = value;
    } else if (name == "enable-kvm" || name == "accel") {
      facts_["accel"]["accelerator"] = name == "accel" ? p.get_or("accel", "") : "kvm";
    } else if (name == "m") {
      facts_["memory"]["size"] = size_of(p.get_or("size", ""), true);
    } else if (name == "mem-path") {
      facts_["memory"]["hugepages"] = hugepages_of(p.get_or("path", ""));
    } else if (name == "mem-prealloc") {
      facts_["memory"]["prealloc"] = "on";
    } else if (name == "overcommit" || name == "realtime") {
      if (on_off(p.get_or("mem-lock", p.get_or("mlock", "off"))) == "on")
        facts_["memory"]["lock"] = "on";
      if (p.has("cpu-pm")) facts_["overcommit"]["cpu-pm"] = p.get_or("cpu-pm", "");
    } else if (name == "numa") {
      if (const QemuProperties* object = find("object", p.get_or("memdev", "")))
        memory_backend(*object);
    } else if (name == "cpu") {
      auto& cpu = facts_["cpu"];
      for (const auto& [raw, value] : p.items) {
        std::string key = raw;
        std::replace(key.begin(), key.end(), '_', '-');
        cpu[key] = key == "model" ? value : on_off(value);
      }
    } else if (name == "smp") {
      auto& smp = facts_["smp"];
      uint64_t sockets = parse_uint(p.get_or("sockets", "1")).value_or(1);
      uint64_t threads = parse_uint(p.get_or("threads", "1")).value_or(1);
      uint64_t cpus = parse_uint(p.get_or("cpus", "0")).value_or(0);
      uint64_t cores = parse_uint(p.get_or("cores", "0")).value_or(0);
      if (cores == 0)
        cores = std::max<uint64_t>(1, cpus / std::max<uint64_t>(1, sockets * threads));
      if (cpus == 0) cpus = sockets * cores * threads;
      smp["cpus"] = std::to_string(cpus);
      smp["sockets"] = std::to_string(sockets);
      smp["cores"] = std::to_string(cores);
      smp["threads"] = std::to_string(threads);
    } else if (name == "rtc" || name == "localtime") {
      facts_["rtc"]["base"] = name == "localtime" ? "localtime" : p.get_or("base", "utc");
      if (auto driftfix = p.get("driftfix"); driftfix && *driftfix != "none")
        facts_["rtc"]["driftfix"] = *driftfix;
    } else if (name == "no-hpet") {
      facts_["machine"]["hpet"] = "off";
    } else if (name == "boot") {
      auto& boot = facts_["boot"];
      for (const auto& [key, value] : p.items) {
        bool flag = key == "menu" || key == "strict";
        if (flag && on_off(value) == "off") continue;  // QEMU's default
        boot[key == "once" ? "order" : key] = flag ? on_off(value) : value;
      }
    } else if (name == "pflash") {
      facts_["firmware"][facts_["firmware"].contains("code") ? "vars" : "code"] =
          p.get_or("file", option.value);
    } else if (name == "drive" && p.get_or("if", "") == "pflash") {
      bool code =
          on_off(p.get_or("readonly", "off")) == "on" || !facts_["firmware"].contains("code");
      facts_["firmware"][code && !facts_["firmware"].contains("code") ? "code" : "vars"] =
          p.get_or("file", "");
    } else if (name == "bios") {
      facts_["firmware"]["code"] = p.get_or("file", option.value);
    } else if (name == "drive" || name == "hda" || name == "hdb" || name == "cdrom" ||
               name.empty()) {
      QemuProperties drive = p;
      if (name == "cdrom") drive.items.emplace_back("media", "cdrom");
      std::string id = p.get_or("id", fmt::format("#{}", drives_.size()));
      drives_[id] = drive;
    } else if (name == "blockdev") {
      // Nodes are read where -machine pflash0/pflash1 or a -device names them.
    } else if (name == "device" || (name == "usbdevice" && p.has("driver"))) {
      read_device(option);
    } else if (name == "object") {
      std::string type = p.get_or("qom-type", "");
      if (type == "input-linux") {
        auto& input = facts_["input-linux " + p.get_or("evdev", "")];
        input["grab_all"] = on_off(p.get_or("grab_all", p.get_or("grab-all", "off")));
        input["repeat"] = on_off(p.get_or("repeat", "off"));
        input["grab-toggle"] = p.get_or("grab-toggle", "ctrl-ctrl");
      } else if (!type.starts_with("memory-backend") && type != "iothread" && type != "secret") {
        auto& object = facts_["object " + type];
        for (const auto& [key, value] : p.items)
          if (!plumbing(key)) object[key] = value;
        if (object.empty()) object["present"] = "yes";
      }
    } else if (name == "soundhw") {
      facts_["sound"]["controller"] = p.get_or("model", "");
    } else if (name == "audiodev") {
      auto& audio = facts_["audio backend"];
      audio["driver"] = p.get_or("driver", "");
      if (auto server = p.get("server")) audio["server"] = *server;
    } else if (name == "netdev" || name == "net" || name == "nic") {
      if (p.get_or("type", "") == "nic") {
        facts_["network"]["model"] = p.get_or("model", "e1000");
      } else if (name != "netdev" || !p.has("id")) {
        netdev_facts(p);
      }
    } else if (name == "spice") {
      auto& spice = facts_["spice"];
      spice["socket"] = p.get_or("addr", p.has("port") ? "port " + p.get_or("port", "") : "");
    } else if (name == "vga" || name == "display" || name == "nographic") {
      facts_["display"][name] = name == "nographic" ? "on" : p.get_or("type", "");
    } else if (name == "global" && p.get_or("driver", "").ends_with("x86_64-cpu")) {
      // -global x86_64-cpu.l3-cache=on: a property of the guest's CPU, as in -cpu.
      std::string key = p.get_or("property", "");
      std::replace(key.begin(), key.end(), '_', '-');
      facts_["cpu"][key] = on_off(p.get_or("value", ""));
    } else if (name == "global") {
      std::string property = p.get_or("property", "");
      // S3 and S4 not disabled are QEMU's default.
      if (property.starts_with("disable_s") && on_off(p.get_or("value", "")) == "off") return;
      facts_["global " + p.get_or("driver", "") + "." + property]["value"] = p.get_or("value", "");
    } else if (name == "chardev" || name == "tpmdev" || name == "mon" || name == "monitor" ||
               name == "qmp" || name == "pidfile" || name == "name" || name == "nodefaults" ||
               name == "no-user-config" || name == "S" || name == "uuid" || name == "sandbox" ||
               name == "msg" || name == "no-shutdown" || name == "serial" || name == "daemonize" ||
               name == "usb" || name == "D" || name == "k" || name == "no-acpi" ||
               name == "parallel" || name == "balloon" || name == "realtime" || name == "runas") {
      facts_["setting -" + name][option.value.empty() ? "present" : "value"] =
          option.value.empty() ? "yes" : option.value;
    } else {
      facts_["option -" + name]["value"] = option.value.empty() ? "yes" : option.value;
    }
  }

  std::vector<QemuOption> options_;
  const ImportHost& host_;
  std::map<std::string, const QemuOption*> by_id_;
  std::map<std::string, QemuProperties> drives_;
  std::set<std::string> used_drives_;
  CommandFacts facts_;
};

}  // namespace

CommandFacts command_facts(const std::vector<std::string>& argv, const ImportHost& host) {
  return FactReader(argv, host).read();
}

}  // namespace vfg
