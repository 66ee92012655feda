#include "import/qemu_options.h"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace vfg {

namespace {

/// Options that take no value (QEMU 2.x to 9.x, including retired ones old scripts use).
const std::set<std::string, std::less<>> kFlags = {"enable-kvm",
                                                   "no-kvm",
                                                   "nodefaults",
                                                   "no-user-config",
                                                   "nodefconfig",
                                                   "no-hpet",
                                                   "no-reboot",
                                                   "no-shutdown",
                                                   "S",
                                                   "s",
                                                   "daemonize",
                                                   "mem-prealloc",
                                                   "nographic",
                                                   "snapshot",
                                                   "no-acpi",
                                                   "full-screen",
                                                   "usb",
                                                   "no-fd-bootchk",
                                                   "enable-fips",
                                                   "no-quit",
                                                   "win2k-hack",
                                                   "no-kvm-irqchip",
                                                   "no-kvm-pit",
                                                   "localtime",
                                                   "alt-grab",
                                                   "ctrl-grab",
                                                   "sdl",
                                                   "curses",
                                                   "portrait",
                                                   "only-migratable",
                                                   "preconfig",
                                                   "rtc-td-hack",
                                                   "no-frame",
                                                   "old-param",
                                                   "semihosting",
                                                   "enable-sync-profile",
                                                   "no-kvm-pit-reinjection"};

/// The key a bare first part stands for, per option.
const std::map<std::string, std::string, std::less<>> kImpliedKeys = {{"device", "driver"},
                                                                      {"object", "qom-type"},
                                                                      {"machine", "type"},
                                                                      {"M", "type"},
                                                                      {"cpu", "model"},
                                                                      {"m", "size"},
                                                                      {"smp", "cpus"},
                                                                      {"netdev", "type"},
                                                                      {"nic", "type"},
                                                                      {"net", "type"},
                                                                      {"audiodev", "driver"},
                                                                      {"chardev", "backend"},
                                                                      {"display", "type"},
                                                                      {"vga", "type"},
                                                                      {"boot", "order"},
                                                                      {"accel", "accel"},
                                                                      {"overcommit", ""},
                                                                      {"soundhw", "model"},
                                                                      {"name", "guest"},
                                                                      {"spice", ""},
                                                                      {"drive", ""},
                                                                      {"blockdev", ""},
                                                                      {"rtc", ""},
                                                                      {"global", ""},
                                                                      {"fsdev", "type"},
                                                                      {"monitor", "chardev"},
                                                                      {"qmp", "chardev"},
                                                                      {"serial", "chardev"},
                                                                      {"mem-path", "path"},
                                                                      {"bios", "file"},
                                                                      {"pflash", "file"},
                                                                      {"hda", "file"},
                                                                      {"hdb", "file"},
                                                                      {"cdrom", "file"},
                                                                      {"k", "layout"},
                                                                      {"smbios", ""},
                                                                      {"iscsi", ""},
                                                                      {"msg", ""},
                                                                      {"sandbox", "enable"}};

void flatten(const nlohmann::json& value, const std::string& prefix, QemuProperties& out) {
  if (value.is_object()) {
    // {"str": "..."} is how JSON spells a legacy string inside a list (hostfwd).
    if (value.size() == 1 && value.contains("str") && !prefix.empty()) {
      flatten(value["str"], prefix, out);
      return;
    }
    for (const auto& [key, item] : value.items())
      flatten(item, prefix.empty() ? key : prefix + "." + key, out);
  } else if (value.is_array()) {
    for (const auto& item : value) flatten(item, prefix, out);
  } else if (value.is_boolean()) {
    out.items.emplace_back(prefix, value.get<bool>() ? "on" : "off");
  } else if (value.is_string()) {
    out.items.emplace_back(prefix, value.get<std::string>());
  } else {
    out.items.emplace_back(prefix, value.dump());
  }
}

}  // namespace

std::optional<std::string> QemuProperties::get(std::string_view key) const {
  for (auto it = items.rbegin(); it != items.rend(); ++it)
    if (it->first == key) return it->second;
  return std::nullopt;
}

bool is_seabios_file(std::string_view path) {
  std::string_view name = path.substr(path.rfind('/') + 1);
  return path.find("seabios") != std::string_view::npos || name == "bios.bin" ||
         name == "bios-256k.bin";
}

std::optional<bool> qemu_bool(std::string_view value) {
  if (value == "on" || value == "yes" || value == "true" || value == "y") return true;
  if (value == "off" || value == "no" || value == "false" || value == "n") return false;
  return std::nullopt;
}

QemuProperties parse_qemu_properties(std::string_view value, std::string_view implied_key) {
  QemuProperties out;
  if (value.starts_with('{')) {
    auto doc = nlohmann::json::parse(value, nullptr, false);
    if (doc.is_object()) {
      out.json = true;
      flatten(doc, "", out);
      // -device {"driver": ...} and -object {"qom-type": ...} name their type inside.
      return out;
    }
  }
  // Split at single commas; ",," is a literal comma.
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == ',' && i + 1 < value.size() && value[i + 1] == ',') {
      parts.back() += ',';
      ++i;
    } else if (value[i] == ',') {
      parts.emplace_back();
    } else {
      parts.back() += value[i];
    }
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    size_t eq = part.find('=');
    if (eq != std::string::npos) {
      out.items.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    } else if (i == 0 && !implied_key.empty()) {
      out.items.emplace_back(std::string(implied_key), part);
    } else if (!part.empty()) {
      // A bare flag: "+topoext" / "-hypervisor" (CPU features) or "hv_relaxed" (= on).
      if (part[0] == '+') {
        out.items.emplace_back(part.substr(1), "on");
      } else if (part[0] == '-') {
        out.items.emplace_back(part.substr(1), "off");
      } else {
        out.items.emplace_back(part, "on");
      }
    }
  }
  return out;
}

/// -global DRIVER.PROPERTY=VALUE as driver, property and value.
QemuProperties global_properties(std::string_view value) {
  QemuProperties out;
  size_t eq = value.find('=');
  std::string_view target = value.substr(0, eq);
  size_t dot = target.rfind('.');
  if (eq == std::string_view::npos || dot == std::string_view::npos) return out;
  out.items.emplace_back("driver", std::string(target.substr(0, dot)));
  out.items.emplace_back("property", std::string(target.substr(dot + 1)));
  out.items.emplace_back("value", std::string(value.substr(eq + 1)));
  return out;
}

/// QEMU 2.x's -usbdevice as the -device it stood for: "host:VENDOR:PRODUCT" and
/// "host:BUS.ADDR" are usb-host, "tablet"/"mouse"/"keyboard" the emulated ones. Other
/// spellings keep their one "device" property.
QemuProperties legacy_usb_device(const std::string& value) {
  QemuProperties out;
  static const std::map<std::string, std::string, std::less<>> kEmulated = {
      {"tablet", "usb-tablet"}, {"mouse", "usb-mouse"}, {"keyboard", "usb-kbd"}};
  if (auto emulated = kEmulated.find(value); emulated != kEmulated.end()) {
    out.items.emplace_back("driver", emulated->second);
    return out;
  }
  if (value.starts_with("host:")) {
    std::string rest = value.substr(5);
    size_t colon = rest.find(':');
    size_t dot = rest.find('.');
    if (colon != std::string::npos) {
      out.items = {{"driver", "usb-host"},
                   {"vendorid", "0x" + rest.substr(0, colon)},
                   {"productid", "0x" + rest.substr(colon + 1)}};
      return out;
    }
    if (dot != std::string::npos) {
      out.items = {{"driver", "usb-host"},
                   {"hostbus", rest.substr(0, dot)},
                   {"hostaddr", rest.substr(dot + 1)}};
      return out;
    }
  }
  out.items.emplace_back("device", value);
  return out;
}

std::vector<QemuOption> parse_qemu_options(const std::vector<std::string>& argv) {
  std::vector<QemuOption> options;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    QemuOption option;
    if (word.size() < 2 || word[0] != '-') {
      option.value = word;
      option.has_value = true;
      option.properties.items.emplace_back("file", word);
      options.push_back(std::move(option));
      continue;
    }
    option.name = word.substr(word[1] == '-' ? 2 : 1);
    if (!kFlags.contains(option.name) && i + 1 < argv.size()) {
      option.value = argv[++i];
      option.has_value = true;
      auto implied = kImpliedKeys.find(option.name);
      if (option.name == "global")
        option.properties = global_properties(option.value);
      else if (option.name == "usbdevice")
        option.properties = legacy_usb_device(option.value);
      else
        option.properties = parse_qemu_properties(
            option.value, implied == kImpliedKeys.end() ? "" : implied->second);
    }
    options.push_back(std::move(option));
  }
  return options;
}

}  // namespace vfg
