#include "import/from_qemu.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "import/qemu_importer.h"
#include "util/strings.h"
#include "vm/config_syntax.h"
#include "vm/config_writer.h"

namespace vfg {

bool QemuImporter::handle(const QemuOption& option) {
  const std::string source = as_written(option);
  const QemuProperties& p = option.properties;
  const std::string& name = option.name;
  if (name.empty() || name == "drive" || name == "blockdev" || name == "hda" || name == "hdb" ||
      name == "hdc" || name == "hdd" || name == "cdrom" || name == "boot")
    return disks_.add(option, source);
  if (name == "name") {
    result_.changed(source,
                    fmt::format("the VM is called '{}' (vfg names QEMU after it)", config().name));
    return true;
  }
  if (name == "enable-kvm" || name == "accel") {
    result_.changed(source, "accel = \"auto\": KVM whenever the host can run guests");
    return true;
  }
  if (name == "machine" || name == "M") return handle_machine(option);
  if (name == "m") {
    auto size = qemu_size(p.get_or("size", ""), true);
    if (!size) return false;
    config().memory.size = *size;
    result_.carried(source, fmt::format("memory.size = \"{}\"", size_text(*size)));
    if (p.has("slots") || p.has("maxmem"))
      result_.not_carried(source, "memory hotplug (slots, maxmem): vfg gives fixed RAM");
    return true;
  }
  if (name == "mem-path") {
    std::string path = p.get_or("path", "");
    config().memory.hugepages =
        path.find("1G") != std::string::npos ? HugePages::k1G : HugePages::k2M;
    result_.changed(source, fmt::format("memory.hugepages = \"{}\" (vfg backs RAM with a "
                                        "hugetlbfs memory backend itself)",
                                        config().memory.hugepages == HugePages::k1G ? "1G" : "2M"));
    return true;
  }
  if (name == "mem-prealloc") {
    config().memory.prealloc = true;
    result_.carried(source, "memory.prealloc = true");
    return true;
  }
  if (name == "overcommit" || name == "realtime") {
    bool lock = p.get_or("mem-lock", p.get_or("mlock", "off")) == "on";
    if (lock) {
      config().memory.lock = true;
      result_.carried(source, "memory.lock = true");
    }
    if (p.get_or("cpu-pm", "off") == "on") return false;
    return lock;
  }
  if (name == "numa") {
    const QemuOption* backend = p.has("memdev") ? object(p.get_or("memdev", "")) : nullptr;
    if (backend == nullptr) return false;
    return handle_memory_backend(backend->properties, source + " with " + as_written(*backend));
  }
  if (name == "cpu") return handle_cpu(option);
  if (name == "smp") return handle_smp(option);
  if (name == "rtc" || name == "localtime") {
    bool local = name == "localtime" || p.get_or("base", "utc") == "localtime";
    config().rtc_localtime = local;
    result_.carried(source, fmt::format("rtc_localtime = {}", local));
    if (auto driftfix = p.get("driftfix")) {
      config().platform.rtc_driftfix = *driftfix == "slew";
      result_.carried(source, fmt::format("platform.rtc_driftfix = {}", *driftfix == "slew"));
    }
    if (p.has("clock"))
      result_.changed(source, "clock: vfg keeps the guest's RTC on the host clock");
    return true;
  }
  if (name == "global") return handle_platform_global(option);
  if (name == "no-hpet") {
    config().platform.hpet = false;
    result_.carried(source, "platform.hpet = false");
    return true;
  }
  // -usbdevice host:... is read as the -device usb-host it stood for (parse_qemu_options).
  if (name == "device" || (name == "usbdevice" && option.properties.has("driver")))
    return handle_device(option);
  if (name == "object") {
    std::string type = p.get_or("qom-type", "");
    if (type == "input-linux") return handle_input(option);
    // Memory backends are read through the option that uses them; others go to extra_args.
    return false;
  }
  if (name == "soundhw") {
    config().audio.enabled = true;
    result_.changed(source,
                    "audio.enabled = true: vfg gives the guest an ich9-intel-hda "
                    "controller with hda-duplex (what Windows has drivers for)");
    return true;
  }
  if (name == "audiodev") {
    config().audio.enabled = true;
    std::string driver = p.get_or("driver", "");
    set_audio_backend(driver, source);
    if (auto server = p.get("server")) set_audio_server(*server, source);
    for (const auto& [key, value] : p.items)
      if (key != "driver" && key != "id" && key != "server")
        result_.changed(source,
                        fmt::format("{}={}: vfg sets the stream format itself", key, value));
    return true;
  }
  // A -netdev with an id is read through the -device that uses it (unused ones go to extra_args).
  if (name == "netdev" && p.has("id")) return false;
  if (name == "netdev" || name == "nic" || name == "net") return handle_netdev(p, source);
  if (name == "vga" || name == "display" || name == "nographic") {
    std::string type = p.get_or(name == "vga" ? "type" : "type", "none");
    if (name == "nographic" || type == "none" || type == "egl-headless") {
      display_none_ = true;
      result_.changed(source, "display.type = \"none\": the passed GPU drives its own screen");
    } else {
      display_device_ = true;
      result_.changed(source, fmt::format("{}: vfg's emulated display is display.type = \"std\" "
                                          "(a VGA card in a window)",
                                          type));
    }
    return true;
  }
  if (name == "spice") {
    std::string addr = p.get_or("addr", "");
    bool unix_socket = p.get_or("unix", "off") == "on" && !addr.empty();
    if (unix_socket) config().display.spice_socket = addr;
    spice_ = true;
    result_.changed(source, unix_socket ? fmt::format("display.spice_socket = \"{}\"", addr)
                                        : "a SPICE server: vfg's runs on a UNIX socket in the "
                                          "VM's runtime directory");
    return true;
  }
  if (name == "monitor" || name == "mon" || name == "qmp" || name == "serial" ||
      name == "parallel" || name == "daemonize" || name == "pidfile" || name == "nodefaults" ||
      name == "no-user-config" || name == "usb" || name == "chardev" || name == "D" ||
      name == "S" || name == "no-shutdown" || name == "balloon") {
    result_.changed(source, "vfg sets this itself (its own QMP socket, log and defaults)");
    return true;
  }
  if (name == "runas") {
    result_.changed(source,
                    "vfg runs QEMU as the user who starts the VM: no root privileges to drop");
    return true;
  }
  if (name == "bios" || name == "pflash") return disks_.add(option, source);
  return false;
}

bool QemuImporter::handle_platform_global(const QemuOption& option) {
  const QemuProperties& p = option.properties;
  std::string driver = p.get_or("driver", "");
  std::string property = p.get_or("property", "");
  std::string value = p.get_or("value", "");
  PlatformConfig& platform = config().platform;
  std::string source = as_written(option);
  if (driver == "kvm-pit" && property == "lost_tick_policy" &&
      (value == "delay" || value == "discard")) {
    platform.pit_lost_ticks =
        value == "delay" ? PlatformConfig::LostTicks::kDelay : PlatformConfig::LostTicks::kDiscard;
    result_.carried(source, fmt::format("platform.pit_lost_ticks = \"{}\"", value));
    return true;
  }
  // vfg's machine is q35, whose power management is ICH9-LPC's (PIIX4_PM is i440fx's).
  if ((driver == "ICH9-LPC" || driver == "PIIX4_PM") &&
      (property == "disable_s3" || property == "disable_s4")) {
    // A number property (disable_s3=1) that QEMU also reads as a boolean.
    auto disabled = value == "1"   ? std::optional(true)
                    : value == "0" ? std::optional(false)
                                   : qemu_bool(value);
    if (!disabled) return false;
    (property == "disable_s3" ? platform.s3 : platform.s4) = !*disabled;
    result_.carried(source, fmt::format("platform.{} = {}", property.substr(8), !*disabled));
    return true;
  }
  return false;
}

void import_audio_server(ImportResult& result, const std::string& server, const std::string& source,
                         const ShellEnvironment& environment) {
  auto runtime = environment.find("XDG_RUNTIME_DIR");
  static const std::regex kDefault("/run/user/[0-9]+/pulse/native|/tmp/pulse/native");
  if ((runtime != environment.end() && server == runtime->second + "/pulse/native") ||
      std::regex_match(server, kDefault)) {
    result.changed(source,
                   "the user's own PulseAudio socket: vfg finds it in "
                   "$XDG_RUNTIME_DIR when the VM starts (audio.server left empty)");
  } else {
    result.config.audio.server = server;
    result.carried(source, fmt::format("audio.server = \"{}\"", server));
  }
}

ImportResult import_qemu_command(const QemuInvocation& invocation, const std::string& name,
                                 const ImportHost& host, const ShellEnvironment& environment) {
  return QemuImporter(invocation, name, host, environment).run();
}

}  // namespace vfg
