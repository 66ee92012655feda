#include "import/compare.h"

#include <set>

#include <fmt/format.h>

#include "import/command_facts.h"
#include "import/qemu_options.h"

namespace vfg {

namespace {

/// The Hyper-V flags vfg's performance set leaves out on purpose.
const std::set<std::string> kLeftOutEnlightenments = {
    "hv-reset",       "hv-crash",     "hv-evmcs", "hv-reenlightenment", "hv-no-nonarch-coresharing",
    "hv-emsr-bitmap", "hv-xmm-input", "hv-avic",  "hv-passthrough"};

/// Devices and settings vfg adds or replaces with its own, and why.
std::string device_reason(const std::string& device) {
  static const std::vector<std::pair<std::string, std::string>> kReasons = {
      {"device pcie-root-port", "vfg puts each PCIe device on a root port of its own"},
      {"device ioh3420", "vfg puts each PCIe device on a root port of its own"},
      {"device qemu-xhci", "vfg's USB controller (one xHCI for every passed device)"},
      {"device nec-usb-xhci", "vfg's USB controller is qemu-xhci"},
      {"device ich9-usb-", "vfg's USB controller is qemu-xhci"},
      {"device usb-ehci", "vfg's USB controller is qemu-xhci"},
      {"device piix3-usb-uhci", "vfg's USB controller is qemu-xhci"},
      {"device virtio-scsi-pci", "vfg adds the controller its virtio-scsi disks need"},
      {"device ahci", "q35 has an AHCI controller built in"},
      {"device ich9-ahci", "q35 has an AHCI controller built in"},
      {"device usb-tablet", "vfg's input is evdev, SPICE or Looking Glass, not an emulated tablet"},
      {"device usb-kbd", "vfg's input is evdev, SPICE or Looking Glass"},
      {"device usb-mouse", "vfg's input is evdev, SPICE or Looking Glass"},
      {"device virtio-keyboard-pci", "vfg's input is evdev, SPICE or Looking Glass"},
      {"device virtio-mouse-pci", "vfg's input is evdev, SPICE or Looking Glass"},
      {"device virtio-tablet-pci", "vfg's input is evdev, SPICE or Looking Glass"},
      {"device virtio-serial", "vfg adds the SPICE agent channel itself when it runs SPICE"},
      {"device virtserialport", "vfg adds the SPICE agent channel itself when it runs SPICE"},
      {"device VGA", "the emulated display: vfg's display.type"},
      {"device qxl", "the emulated display: vfg's display.type"},
      {"device virtio-vga", "the emulated display: vfg's display.type"},
      {"device virtio-balloon-pci",
       "a balloon takes RAM back from a passthrough guest "
       "that cannot give it (VFIO pins all of it)"},
      {"device isa-debugcon", "vfg logs the firmware through its own log"},
      {"device pci-bridge", "vfg puts each PCIe device on a root port of its own"},
      {"device pcie-pci-bridge", "a bridge for conventional PCI cards: vfg's devices are PCIe"},
      {"global kvm-pit.lost_tick_policy", "vfg delays the PIT's lost ticks (what Windows expects)"},
      {"global PIIX4_PM.",
       "the i440fx machine's power management; on vfg's q35 it is ICH9-LPC's (platform.s3, s4)"},
      {"setting -runas", "vfg runs QEMU as the user who starts the VM: no root privileges to drop"},
      {"setting -",
       "vfg sets this itself (QMP socket, pid file, log, defaults, boot order by "
       "boot_index)"},
      {"display", "vfg's display.type: none with a passed GPU, std without"},
      {"spice",
       "vfg's SPICE server listens on a socket in the VM's runtime directory "
       "(Looking Glass input and the std display use it)"},
      {"option -uuid", "libvirt's domain id, which nothing in the guest needs"},
      {"object secret", "libvirt's own secret store"},
      {"accel", "accel = \"auto\": KVM whenever the host can run guests"},
      {"tpm", "vfg runs swtpm for the VM itself"},
  };
  for (const auto& [prefix, reason] : kReasons)
    if (device.rfind(prefix, 0) == 0) return reason;
  return "";
}

/// Why vfg's value of a property differs, or "" when nothing explains it.
std::string property_reason(const std::string& device, const std::string& property,
                            const std::string& source, const std::string& vfg) {
  if (device == "cpu") {
    if (property.starts_with("hv-") && source.empty())
      return "vfg's performance set of Hyper-V enlightenments for Windows";
    if (property.starts_with("hv-") && kLeftOutEnlightenments.contains(property))
      return "left out of vfg's performance set (debugging or nested guests only)";
    if (property == "kvm" || property == "hypervisor")
      return "hiding KVM was the recipe against NVIDIA's error 43; drivers since 465 run in VMs, "
             "and Hyper-V enlightenments announce a hypervisor anyway";
    if (property == "migratable" || property == "host-phys-bits" || property == "topoext" ||
        property == "host-phys-bits-limit")
      return "vfg's -cpu host settings (invariant TSC for Windows' clock, SMT on AMD, address "
             "bits)";
    if (property == "model" && vfg == "max") return "TCG cannot pass the host CPU";
    if (property == "monitor" && source == "off" && vfg.empty())
      return "libvirt's CPU models turn MONITOR/MWAIT off; KVM does not give it to guests "
             "either";
  }
  if (device == "memory") {
    if (property == "lock") return "vfg locks guest RAM only when memory.lock is set";
  }
  if (device == "machine") {
    if (property == "type") return "vfg always uses q35 (PCI Express, which GPU drivers expect)";
    return "vfg sets the machine's options itself";
  }
  if (device == "rtc" && property == "driftfix")
    return "platform.rtc_driftfix: Windows keeps time by the RTC's interrupts";
  if (device == "rtc") return "Windows keeps the clock in local time (rtc_localtime)";
  if (device == "smp") return "vfg's pinning plan decides the guest topology";
  if (device.starts_with("disk ")) {
    if (property == "host cache bypass" || property == "aio")
      return "vfg's I/O defaults: O_DIRECT and native AIO for block devices, the host cache "
             "and threads for images";
    if (property == "discard") return "vfg passes TRIM through (discard = true)";
    if (property == "format") return "vfg names the format (qcow2 for *.qcow2, raw otherwise)";
    if (property == "bus") return "IDE and SATA are the same disk to Windows; vfg uses q35's AHCI";
    if (property == "bootindex") return "the boot order became boot_index";
  }
  if (device == "firmware") {
    if (property == "vars")
      return "the VM's own copy of the variables (copied once, on first start)";
    if (property == "code" && is_seabios_file(source))
      return "SeaBIOS from QEMU's own copy (its default)";
    if (property == "code") return "OVMF from QEMU's firmware descriptors";
  }
  if (device == "boot") {
    if (property == "order") return "the boot order became boot_index";
    if (property == "strict" && source == "on")
      return "libvirt boots strictly by boot index in every domain; vfg lets the firmware try "
             "the other devices after those";
  }
  if (device == "sound") return "vfg's guest sound is ich9-intel-hda with hda-duplex";
  if (device == "audio backend") {
    if (property == "server") return "the user's own sound socket, found when the VM starts";
    return "vfg plays through PipeWire or PulseAudio";
  }
  if (device == "network" && property == "model")
    return "vfg's emulated NICs are virtio-net and e1000e";
  if (device == "network" && property == "type" && source == "tap")
    return "a tap opened by whoever started QEMU (fd=) or by qemu-bridge-helper: vfg's user or "
           "bridge network";
  if (device == "cpu" && property == "model" && source == "max")
    return "libvirt converted the domain for TCG here (host-passthrough needs KVM)";
  if (device.starts_with("vfio-pci ") && property == "x-vga")
    return "legacy VGA is for SeaBIOS guests; OVMF does not need it";
  if (device.starts_with("ivshmem") && property == "size")
    return "the size Looking Glass needs for the resolution";
  return device_reason(device);
}

}  // namespace

std::vector<CheckLine> compare_command_lines(const std::vector<std::string>& source,
                                             const std::vector<std::string>& vfg,
                                             const ImportHost& host) {
  CommandFacts theirs = command_facts(source, host);
  CommandFacts ours = command_facts(vfg, host);
  std::vector<CheckLine> lines;
  auto add = [&](const std::string& device, const std::string& property, const std::string& a,
                 const std::string& b) {
    CheckLine line{CheckLine::Kind::kSame, device, property, a, b, ""};
    if (a != b) {
      line.reason = property_reason(device, property, a, b);
      line.kind = line.reason.empty() ? CheckLine::Kind::kLost : CheckLine::Kind::kDeliberate;
      // Something vfg adds that the source did not have loses nothing.
      if (a.empty() && line.kind == CheckLine::Kind::kLost) {
        line.kind = CheckLine::Kind::kDeliberate;
        line.reason = "added by vfg";
      }
    }
    lines.push_back(line);
  };
  for (const auto& [device, properties] : theirs) {
    auto match = ours.find(device);
    for (const auto& [property, value] : properties) {
      std::string other;
      if (match != ours.end()) {
        auto found = match->second.find(property);
        if (found != match->second.end()) other = found->second;
      }
      add(device, property, value, other);
    }
    if (match == ours.end()) continue;
    for (const auto& [property, value] : match->second)
      if (!properties.contains(property)) add(device, property, "", value);
  }
  for (const auto& [device, properties] : ours) {
    if (theirs.contains(device)) continue;
    for (const auto& [property, value] : properties) add(device, property, "", value);
  }
  return lines;
}

std::string render_check(const std::vector<CheckLine>& lines) {
  std::string out;
  size_t counts[3] = {0, 0, 0};
  for (const auto& line : lines) {
    ++counts[static_cast<int>(line.kind)];
    std::string what = line.property == "present" ? line.device : line.device + " " + line.property;
    auto shown = [](const std::string& value) { return value.empty() ? "(none)" : value; };
    switch (line.kind) {
      case CheckLine::Kind::kSame:
        out += fmt::format("same          {}: {}\n", what, line.source);
        break;
      case CheckLine::Kind::kDeliberate:
        out += fmt::format("vfg's choice  {}: {} → {} ({})\n", what, shown(line.source),
                           shown(line.vfg), line.reason);
        break;
      case CheckLine::Kind::kLost:
        out +=
            fmt::format("LOST          {}: {} → {}\n", what, shown(line.source), shown(line.vfg));
        break;
    }
  }
  out += fmt::format("{} same, {} vfg's choice, {} lost\n", counts[0], counts[1], counts[2]);
  return out;
}

}  // namespace vfg
