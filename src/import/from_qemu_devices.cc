// The machine, CPU and -device parts of importing a QEMU command line.
#include <algorithm>
#include <set>

#include "import/qemu_importer.h"
#include "vm/config_syntax.h"
#include "vm/config_writer.h"

namespace vfg {

namespace {

/// QEMU's hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport, when the guest
/// address is left to QEMU (what vfg writes).
std::optional<PortForward> hostfwd_forward(const std::string& value) {
  auto dash = value.find('-');
  if (dash == std::string::npos) return std::nullopt;
  auto host = split(value.substr(0, dash), ':');
  auto guest = split(value.substr(dash + 1), ':');
  if (host.size() != 3 || guest.size() != 2 || !guest[0].empty()) return std::nullopt;
  std::string text = host[0].empty() ? "tcp" : host[0];
  if (!host[1].empty()) text += ":" + host[1];
  return parse_port_forward(text + ":" + host[2] + ":" + guest[1]);
}

}  // namespace

bool QemuImporter::handle_machine(const QemuOption& option) {
  const std::string source = as_written(option);
  std::vector<std::string> rest;
  for (const auto& [key, value] : option.properties.items) {
    if (key == "type") {
      if (value.find("q35") != std::string::npos) {
        result_.carried(source, "q35 (vfg's machine)");
      } else {
        result_.changed(source, fmt::format("{}: vfg always uses q35 (PCI Express, which GPU "
                                            "drivers expect)",
                                            value));
      }
    } else if (key == "accel") {
      result_.changed(source, "accel = \"auto\": KVM whenever the host can run guests");
    } else if (key == "kernel_irqchip" || key == "kernel-irqchip" || key == "smm" ||
               key == "vmport" || key == "usb") {
      result_.changed(source,
                      fmt::format("{}={}: vfg sets the machine's {} itself", key, value, key));
    } else if (key == "hpet" && qemu_bool(value)) {
      config().platform.hpet = *qemu_bool(value);
      result_.carried(source, fmt::format("platform.hpet = {}", *qemu_bool(value)));
    } else if (key == "dump-guest-core" && qemu_bool(value)) {
      config().platform.dump_guest_core = *qemu_bool(value);
      result_.carried(source, fmt::format("platform.dump_guest_core = {}", *qemu_bool(value)));
    } else if (key == "memory-backend") {
      const QemuOption* backend = object(value);
      if (backend != nullptr) handle_memory_backend(backend->properties, as_written(*backend));
    } else {
      rest.push_back(key + "=" + value);
    }
  }
  if (!rest.empty()) {
    // QEMU merges repeated -machine options, so the rest can follow vfg's own.
    config().extra_args.insert(config().extra_args.end(), {"-machine", join(rest, ",")});
    result_.not_carried(source, fmt::format("{}: vfg has no key for it; kept in extra_args as "
                                            "-machine {}",
                                            join(rest, ","), join(rest, ",")));
  }
  return true;
}

bool QemuImporter::handle_memory_backend(const QemuProperties& backend, const std::string& source) {
  std::string type = backend.get_or("qom-type", "");
  if (auto size = qemu_size(backend.get_or("size", ""), false)) config().memory.size = *size;
  std::string path = backend.get_or("mem-path", "");
  if (type == "memory-backend-file" && path.find("hugepages") != std::string::npos) {
    config().memory.hugepages =
        path.find("1G") != std::string::npos ? HugePages::k1G : HugePages::k2M;
  } else if (type == "memory-backend-memfd" && backend.get_or("hugetlb", "off") == "on") {
    config().memory.hugepages =
        backend.get_or("hugetlbsize", "2M") == "1G" ? HugePages::k1G : HugePages::k2M;
  }
  if (backend.get_or("prealloc", "off") == "on") config().memory.prealloc = true;
  result_.carried(
      source, fmt::format("memory.size = \"{}\"{}{}", size_text(config().memory.size),
                          config().memory.hugepages == HugePages::kNone ? ""
                          : config().memory.hugepages == HugePages::k1G ? ", hugepages = \"1G\""
                                                                        : ", hugepages = \"2M\"",
                          config().memory.prealloc ? ", prealloc = true" : ""));
  return true;
}

bool QemuImporter::handle_smp(const QemuOption& option) {
  const QemuProperties& p = option.properties;
  auto cpus = number(p.get_or("cpus", "0")).value_or(0);
  auto sockets = number(p.get_or("sockets", "1")).value_or(1);
  auto threads = number(p.get_or("threads", "1")).value_or(1);
  auto cores = p.has("cores")
                   ? number(p.get_or("cores", "1")).value_or(1)
                   : std::max<uint32_t>(1, cpus / std::max<uint32_t>(1, sockets * threads));
  CpuConfig& cpu = config().cpu;
  cpu.sockets = std::max<uint32_t>(sockets, 1);
  cpu.cores = cores;
  cpu.threads = threads;
  result_.carried(as_written(option), fmt::format("cpu.sockets = {}, cores = {}, threads = {}",
                                                  cpu.sockets, cpu.cores, cpu.threads));
  if (cpus != 0 && cpus != cpu.vcpus())
    result_.changed(as_written(option),
                    fmt::format("{} vCPUs where the topology holds {}: vfg starts every vCPU "
                                "of the topology",
                                cpus, cpu.vcpus()));
  return true;
}

bool QemuImporter::handle_cpu(const QemuOption& option) {
  const std::string source = as_written(option);
  CpuConfig& cpu = config().cpu;
  bool enlightened = false;
  bool hidden = false;
  std::vector<std::string> dropped;
  for (const auto& [raw_key, value] : option.properties.items) {
    std::string key = raw_key;
    std::replace(key.begin(), key.end(), '_', '-');
    if (raw_key == "model") {
      cpu.model = value;
    } else if (key.starts_with("hv-vendor-id")) {
      cpu.hv_vendor_id = value.substr(0, 12);
    } else if (key.starts_with("hv-")) {
      enlightened = enlightened || value != "off";
    } else if ((key == "kvm" || key == "hypervisor") && value == "off") {
      hidden = true;
    } else if ((key == "kvm" || key == "hypervisor") && value == "on") {
      result_.carried(source, fmt::format("{}=on: QEMU's default, as vfg leaves it", key));
    } else if (key == "host-phys-bits-limit") {
      cpu.host_phys_bits_limit = number(value);
    } else if (key == "host-phys-bits" || key == "migratable") {
      result_.changed(source,
                      fmt::format("{}={}: vfg sets it for -cpu host where it matters", key, value));
    } else {
      dropped.push_back(raw_key + "=" + value);
    }
  }
  result_.carried(source, fmt::format("cpu.model = \"{}\"", cpu.model));
  if (hidden && enlightened) {
    // The old NVIDIA "error 43" recipe: enlightenments on, KVM signature off.
    cpu.hyperv = HypervProfile::kPerformance;
    result_.changed(source,
                    "kvm=off with Hyper-V flags (the recipe against NVIDIA's error 43, "
                    "which drivers since 465 no longer need): hyperv = \"performance\"");
  } else if (hidden) {
    cpu.hyperv = HypervProfile::kStealth;
    result_.carried(source, "kvm=off/-hypervisor: cpu.hyperv = \"stealth\"");
  } else if (enlightened) {
    result_.changed(source,
                    "the hv_* flags: vfg's performance set of Hyper-V enlightenments "
                    "(hyperv = \"auto\" for Windows)");
  } else {
    cpu.hyperv = HypervProfile::kOff;
    result_.carried(source, "no Hyper-V enlightenments: cpu.hyperv = \"off\"");
  }
  if (!cpu.hv_vendor_id.empty())
    result_.carried(source, fmt::format("cpu.hv_vendor_id = \"{}\"", cpu.hv_vendor_id));
  // QEMU applies -global to CPUs too, and x86_64-cpu matches every model: the
  // properties vfg has no key for still reach the guest's CPU.
  for (const auto& property : dropped) {
    config().extra_args.insert(config().extra_args.end(), {"-global", "x86_64-cpu." + property});
    result_.changed(source, fmt::format("{}: vfg builds -cpu itself; kept in extra_args as "
                                        "-global x86_64-cpu.{}",
                                        property, property));
  }
  return true;
}

bool QemuImporter::handle_input(const QemuOption& option) {
  const QemuProperties& p = option.properties;
  InputConfig input;
  input.evdev = p.get_or("evdev", "");
  input.grab_all = p.get_or("grab_all", p.get_or("grab-all", "off")) == "on";
  input.repeat = p.get_or("repeat", "off") == "on";
  input.grab_toggle = p.get_or("grab-toggle", input.grab_toggle);
  if (input.evdev.empty()) return false;
  config().inputs.push_back(input);
  result_.carried(as_written(option), fmt::format("[[input]] evdev = \"{}\"", input.evdev));
  return true;
}

bool QemuImporter::handle_netdev(const QemuProperties& p, const std::string& source) {
  std::string type = p.get_or("type", "");
  NetworkConfig& network = config().network;
  if (type == "nic") {
    std::string model = p.get_or("model", "");
    nic_model_ = model;
    if (auto mac = p.get("macaddr")) network.mac = *mac;
    network.model =
        model.find("virtio") != std::string::npos ? NicModel::kVirtio : NicModel::kE1000e;
    result_.carried(source, fmt::format("network.model = \"{}\"",
                                        network.model == NicModel::kVirtio ? "virtio" : "e1000e"));
    return true;
  }
  if (type == "user") {
    network.mode = NetworkMode::kUser;
    for (const auto& [key, value] : p.items) {
      if (key == "hostfwd") {
        auto parsed = hostfwd_forward(value);
        if (parsed) {
          network.forwards.push_back(*parsed);
        } else {
          result_.not_carried(source, fmt::format("hostfwd={}: vfg forwards to the guest's own "
                                                  "address only",
                                                  value));
        }
      } else if (key == "smb") {
        network.smb = value;
      }
    }
    result_.carried(source, "network.mode = \"user\"");
  } else if (type == "tap" && p.has("helper")) {
    network.mode = NetworkMode::kBridge;
    result_.changed(source, fmt::format("a tap made by qemu-bridge-helper: network.mode = "
                                        "\"bridge\", bridge = \"{}\" (the helper's default)",
                                        network.bridge));
  } else if (type == "tap" && !p.has("ifname")) {
    network.mode = NetworkMode::kUser;
    result_.changed(source,
                    "a tap opened by whoever started QEMU (fd=): vfg cannot open it; "
                    "network.mode = \"user\" gives the guest outbound access");
  } else if (type == "tap") {
    network.mode = NetworkMode::kTap;
    network.tap = p.get_or("ifname", "");
    result_.carried(source, fmt::format("network.mode = \"tap\", tap = \"{}\"", network.tap));
    if (p.has("script") && p.get_or("script", "") != "no")
      result_.not_carried(source, "the tap's script: vfg uses an existing tap interface");
  } else if (type == "bridge") {
    network.mode = NetworkMode::kBridge;
    network.bridge = p.get_or("br", "br0");
    result_.carried(source,
                    fmt::format("network.mode = \"bridge\", bridge = \"{}\"", network.bridge));
  } else {
    return false;
  }
  // -nic names the card model with its backend.
  if (auto model = p.get("model")) {
    network.model =
        model->find("virtio") != std::string::npos ? NicModel::kVirtio : NicModel::kE1000e;
    result_.carried(source, fmt::format("network.model = \"{}\"",
                                        network.model == NicModel::kVirtio ? "virtio" : "e1000e"));
  }
  return true;
}

bool QemuImporter::handle_device(const QemuOption& option) {
  const std::string source = as_written(option);
  const QemuProperties& p = option.properties;
  std::string driver = p.get_or("driver", "");
  if (disks_.add_device(p, source)) return true;
  if (driver == "vfio-pci") {
    auto host = p.get("host");
    auto parsed = host ? parse_pci_address(*host) : std::nullopt;
    if (!parsed) return false;
    std::string address = format_pci_address(*parsed);
    vfio_slots_[address.substr(0, address.size() - 2)].emplace_back(address.back(), p);
    vfio_sources_.push_back(source);
    return true;
  }
  if (driver == "usb-host") {
    UsbHostConfig usb;
    if (p.has("hostbus") && p.has("hostport")) {
      usb.hostbus = number(p.get_or("hostbus", "0")).value_or(0);
      usb.hostport = p.get_or("hostport", "");
      config().usb.push_back(usb);
      result_.changed(source, fmt::format("[[usb]] port = \"{}-{}\" (vfg's spelling of "
                                          "hostbus={} hostport={})",
                                          usb.hostbus, usb.hostport, usb.hostbus, usb.hostport));
      return true;
    }
    if (p.has("vendorid") && p.has("productid")) {
      auto vendor = parse_uint(p.get_or("vendorid", ""));
      auto product = parse_uint(p.get_or("productid", ""));
      if (!vendor || !product) return false;
      usb.vendor_id = static_cast<uint16_t>(*vendor);
      usb.product_id = static_cast<uint16_t>(*product);
      config().usb.push_back(usb);
      result_.carried(source,
                      fmt::format("[[usb]] id = \"{:04x}:{:04x}\"", usb.vendor_id, usb.product_id));
      return true;
    }
    return false;  // hostaddr changes at every plug: extra_args, with the note below
  }
  if (driver == "ivshmem-plain" || driver == "ivshmem") {
    LookingGlassConfig& lg = config().looking_glass;
    std::string path;
    std::optional<uint64_t> size;
    if (driver == "ivshmem-plain") {
      const QemuOption* backend = object(p.get_or("memdev", ""));
      if (backend == nullptr) return false;
      path = backend->properties.get_or("mem-path", "");
      size = qemu_size(backend->properties.get_or("size", ""), false);
    } else {
      path = "/dev/shm/" + p.get_or("shm", "");
      size = qemu_size(p.get_or("size", ""), false);
    }
    lg.enabled = true;
    if (path.starts_with("/dev/kvmfr")) {
      lg.backend = LookingGlassConfig::Backend::kKvmfr;
      lg.device = path;
    } else {
      lg.backend = LookingGlassConfig::Backend::kShm;
      lg.shm_path = path;
    }
    lg.size = size;
    result_.carried(
        source,
        fmt::format("[looking_glass] enabled, {} {}, size = \"{}\"",
                    lg.backend == LookingGlassConfig::Backend::kKvmfr ? "device" : "shm_path", path,
                    size ? size_text(*size) : "?"));
    return true;
  }
  static const std::set<std::string> kSound = {"ich9-intel-hda", "intel-hda",  "hda-duplex",
                                               "hda-micro",      "hda-output", "AC97",
                                               "ac97",           "sb16",       "usb-audio"};
  if (kSound.contains(driver)) {
    config().audio.enabled = true;
    if (driver == "ich9-intel-hda" || driver == "hda-duplex")
      result_.carried(source, "audio.enabled = true");
    else
      result_.changed(source,
                      fmt::format("{}: vfg's guest sound is ich9-intel-hda + hda-duplex", driver));
    return true;
  }
  static const std::set<std::string> kNics = {"virtio-net-pci", "virtio-net", "e1000",
                                              "e1000e",         "rtl8139",    "e1000-82545em"};
  if (kNics.contains(driver)) {
    NetworkConfig& network = config().network;
    network.model = driver.starts_with("virtio") ? NicModel::kVirtio : NicModel::kE1000e;
    if (auto mac = p.get("mac")) network.mac = *mac;
    if (auto netdev = p.get("netdev")) {
      if (const QemuOption* backend = referenced("netdev", *netdev))
        handle_netdev(backend->properties, as_written(*backend));
    }
    if (driver == "virtio-net-pci" || driver == "e1000e")
      result_.carried(
          source, fmt::format("network.model = \"{}\"", driver == "e1000e" ? "e1000e" : "virtio"));
    else
      result_.changed(source, fmt::format("{}: vfg's emulated NIC is e1000e (or virtio)", driver));
    return true;
  }
  if (driver == "tpm-tis" || driver == "tpm-crb") {
    config().tpm = true;
    if (auto tpmdev = p.get("tpmdev")) {
      if (const QemuOption* dev = referenced("tpmdev", *tpmdev)) {
        if (auto chardev = dev->properties.get("chardev")) referenced("chardev", *chardev);
      }
    }
    result_.changed(source, "tpm = true: vfg starts its own swtpm for the VM");
    return true;
  }
  static const std::set<std::string> kDisplays = {
      "VGA", "qxl-vga", "qxl", "virtio-vga", "virtio-gpu-pci", "bochs-display", "ramfb"};
  if (kDisplays.contains(driver)) {
    display_device_ = true;
    result_.changed(source,
                    fmt::format("{}: vfg's emulated display is display.type = \"std\"", driver));
    return true;
  }
  static const std::set<std::string> kOwnDevices = {
      "qemu-xhci",           "nec-usb-xhci",     "ich9-usb-ehci1",    "ich9-usb-uhci1",
      "ich9-usb-uhci2",      "ich9-usb-uhci3",   "usb-ehci",          "piix3-usb-uhci",
      "pcie-root-port",      "ioh3420",          "virtio-serial-pci", "virtio-serial",
      "virtserialport",      "usb-tablet",       "usb-kbd",           "usb-mouse",
      "virtio-keyboard-pci", "virtio-mouse-pci", "virtio-tablet-pci", "pci-bridge",
      "pcie-pci-bridge",     "isa-debugcon",     "usb-redir"};
  if (driver == "virtserialport" && p.get_or("name", "") == "org.qemu.guest_agent.0") {
    config().platform.guest_agent = true;
    if (auto chardev = p.get("chardev")) referenced("chardev", *chardev);
    result_.carried(source,
                    "platform.guest_agent = true (on a socket in the VM's runtime directory)");
    return true;
  }
  if (kOwnDevices.contains(driver)) {
    result_.changed(source, fmt::format("{}: vfg adds the controllers, ports and input devices "
                                        "its VM needs itself",
                                        driver));
    return true;
  }
  return false;
}

void QemuImporter::finish_gpus() {
  for (const auto& [slot, functions] : vfio_slots_) {
    std::string function0 = slot + ".0";
    const GpuCard* card = find_card(host_, function0);
    std::string passed;
    for (const auto& [function, props] : functions)
      passed += std::string(passed.empty() ? "" : ", ") + slot + "." + function;
    bool card_passed = std::any_of(functions.begin(), functions.end(),
                                   [](const auto& function) { return function.first == '0'; });
    if (card == nullptr || !card_passed) {
      // Not a GPU on this host, or a card's other functions without it: passed exactly as
      // the script did.
      for (const auto& [function, props] : functions) {
        std::vector<std::string> parts;
        for (const auto& [key, value] : props.items)
          parts.push_back(key == "driver" ? value : key + "=" + value);
        config().extra_args.insert(config().extra_args.end(), {"-device", join(parts, ",")});
      }
      result_.not_carried(fmt::format("vfio-pci {}", passed), not_a_passed_card(card, function0));
      continue;
    }
    GpuConfig gpu;
    gpu.address = function0;
    std::vector<std::string> host_functions;
    for (const auto& address : card->functions) host_functions.push_back(address.to_string());
    std::vector<std::string> given;
    for (const auto& [function, props] : functions) given.push_back(slot + "." + function);
    std::sort(given.begin(), given.end());
    std::vector<std::string> sorted_host = host_functions;
    std::sort(sorted_host.begin(), sorted_host.end());
    gpu.all_functions = given == sorted_host;
    if (!gpu.all_functions)
      for (const auto& address : given)
        if (address != function0) gpu.functions.push_back(address);
    for (const auto& [function, props] : functions) {
      if (function != '0') continue;
      gpu.x_vga = props.get_or("x-vga", "off") == "on";
      gpu.rom_bar = props.get_or("rombar", "1") != "0";
      gpu.rom_file = props.get_or("romfile", "");
      if (!gpu.rom_file.empty() && gpu.rom_file[0] != '/') {
        result_.not_carried(fmt::format("romfile={}", gpu.rom_file),
                            "a relative ROM is looked up in QEMU's data directory; give rom "
                            "the image's absolute path");
        gpu.rom_file.clear();
      }
    }
    config().gpus.push_back(gpu);
    result_.carried(
        fmt::format("vfio-pci {}", passed),
        fmt::format("[[gpu]] address = \"{}\", functions = {}{}{}{}", gpu.address,
                    gpu.all_functions ? "\"all\"" : fmt::format("[{}]", join(gpu.functions, ", ")),
                    gpu.x_vga ? ", x_vga = true" : "",
                    gpu.rom_file.empty() ? "" : fmt::format(", rom = \"{}\"", gpu.rom_file),
                    gpu.rom_bar ? "" : ", rom_bar = false"));
    result_.changed(fmt::format("vfio-pci {}", passed),
                    "bus, addr and multifunction: vfg puts the card's functions on one root port "
                    "as on the host");
    for (const auto& [function, props] : functions)
      report_gpu_function_settings(slot + "." + function, props, function == '0');
  }
}

void QemuImporter::report_gpu_function_settings(const std::string& address,
                                                const QemuProperties& props, bool function0) {
  static const std::set<std::string> kPlacement = {"driver", "host", "id",
                                                   "bus",    "addr", "multifunction"};
  for (const auto& [key, value] : props.items) {
    if (kPlacement.contains(key) ||
        (function0 && (key == "x-vga" || key == "romfile" || (key == "rombar" && value == "0"))))
      continue;
    std::string what = fmt::format("vfio-pci {} {}={}", address, key, value);
    if (key == "rombar" && value == "1")
      result_.carried(what, "the ROM BAR shown: QEMU's default, as vfg runs it");
    else if (key == "romfile" || key == "x-vga" || key == "rombar")
      result_.not_carried(what,
                          "[[gpu]] rom, rom_bar and x_vga are for the card's first function only");
    else
      result_.not_carried(what, "vfg has no key for it on a [[gpu]]");
  }
}

void QemuImporter::finish_display() {
  DisplayConfig& display = config().display;
  if (display_device_ && config().gpus.empty())
    display.type = DisplayConfig::Type::kStd;
  else if (spice_ && !config().looking_glass.enabled)
    display.type = DisplayConfig::Type::kSpice;
  else
    display.type = DisplayConfig::Type::kNone;
  (void)display_none_;
}

}  // namespace vfg
