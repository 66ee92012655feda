// The <devices> of a libvirt domain: disks, host devices, interfaces, sound,
// input, TPM, shared memory, graphics and what vfg adds itself.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "import/from_qemu.h"
#include "import/libvirt_domain_importer.h"
#include "import/qemu_options.h"
#include "util/strings.h"
#include "vm/config_syntax.h"
#include "vm/config_writer.h"

namespace vfg {

void LibvirtDomainImporter::report_unread_children(const pugi::xml_node& device,
                                                   const std::string& what,
                                                   const std::set<std::string>& read) {
  // Where libvirt places the device and what it calls it are its own business.
  static const std::set<std::string> kPlumbing = {"address", "alias"};
  for (pugi::xml_node child : device.children()) {
    std::string name = child.name();
    if (child.type() != pugi::node_element || read.contains(name) || kPlumbing.contains(name))
      continue;
    result_.not_carried(fmt::format("{} <{}>", what, name), "vfg has no key for it");
  }
}

void LibvirtDomainImporter::keep_pty_serial(const std::string& what, unsigned port) {
  std::string id = fmt::format("charserial{}", port);
  config().extra_args.insert(config().extra_args.end(),
                             {"-chardev", "pty,id=" + id, "-device",
                              fmt::format("isa-serial,chardev={},index={}", id, port)});
  result_.not_carried(what, "vfg has no key for a serial port; kept in extra_args");
}

void LibvirtDomainImporter::read_disk(const pugi::xml_node& disk) {
  std::string device = disk.attribute("device").as_string("disk");
  pugi::xml_node source = disk.child("source");
  std::string path = source.attribute("file").as_string(source.attribute("dev").as_string());
  std::string what = fmt::format("<disk {}>", path.empty() ? device : path);
  if (device != "disk" && device != "cdrom") {
    result_.not_carried(what, fmt::format("a {} drive: vfg has no key for it", device));
    return;
  }
  if (path.empty()) {
    result_.not_carried(what, "an empty drive (no source): vfg has no key for it");
    take_os_boot(device, false, path);
    return;
  }
  report_unread_children(disk, what, {"driver", "source", "target", "readonly", "boot", "serial"});
  DiskConfig out;
  std::vector<std::string> changes;
  std::string problem;
  auto definition_path = definition_disk_path(host_, path, changes, problem);
  if (!definition_path) {
    result_.not_carried(what, problem);
    take_os_boot(device, false, path);
    return;
  }
  out.path = *definition_path;
  out.media = device == "cdrom" ? DiskMedia::kCdrom : DiskMedia::kDisk;
  std::string bus = disk.child("target").attribute("bus").as_string("sata");
  out.bus = bus == "virtio" ? DiskBus::kVirtioBlk
            : bus == "scsi" ? DiskBus::kVirtioScsi
                            : DiskBus::kSata;
  if (bus != "virtio" && bus != "scsi" && bus != "sata") changes.push_back(bus + " becomes SATA");
  pugi::xml_node driver = disk.child("driver");
  std::string type = driver.attribute("type").as_string();
  if (type == "qcow2" && !out.path.ends_with(".qcow2")) out.format = DiskFormat::kQcow2;
  if (type == "raw" && out.path.ends_with(".qcow2")) out.format = DiskFormat::kRaw;
  bool block = is_block_device_path(out.path);
  std::string cache = driver.attribute("cache").as_string();
  if (cache == "writethrough") out.cache = DiskCache::kWritethrough;
  if (cache == "directsync") out.cache = DiskCache::kDirectsync;
  if (cache == "unsafe") out.cache = DiskCache::kUnsafe;
  if (cache == "none" && !block) out.cache = DiskCache::kNone;
  if (cache == "writeback" && block) out.cache = DiskCache::kWriteback;
  std::string io = driver.attribute("io").as_string();
  if (io == "io_uring") out.aio = DiskAio::kIoUring;
  if (io == "native" && !block) out.aio = DiskAio::kNative;
  if (io == "threads" && block) out.aio = DiskAio::kThreads;
  if (out.media == DiskMedia::kDisk &&
      std::string(driver.attribute("discard").as_string()) != "unmap")
    changes.push_back("vfg passes TRIM through (discard = true)");
  out.read_only = disk.child("readonly") && out.media == DiskMedia::kDisk;
  if (pugi::xml_node boot = disk.child("boot"))
    out.boot_index = boot.attribute("order").as_uint();
  else
    out.boot_index = take_os_boot(device, true, out.path);
  if (pugi::xml_node serial = disk.child("serial"))
    out.serial = std::string(serial.text().as_string()).substr(0, 20);
  config().disks.push_back(out);
  std::string where = fmt::format("[[disk]] path = \"{}\"", out.path);
  if (changes.empty()) result_.carried(what, where);
  for (const auto& change : changes) result_.changed(what, where + ": " + change);
}

std::optional<uint32_t> LibvirtDomainImporter::take_os_boot(const std::string& kind, bool carried,
                                                            const std::string& path) {
  auto found = os_boot_.find(kind);
  if (found == os_boot_.end()) return std::nullopt;
  OsBoot boot = found->second;
  os_boot_.erase(found);
  if (!carried) {
    result_.not_carried(boot.what,
                        fmt::format("libvirt boots the domain's first {}, which is not carried "
                                    "(its line says why)",
                                    kind));
    return std::nullopt;
  }
  result_.carried(boot.what,
                  fmt::format("boot_index = {} on [[disk]] path = \"{}\"", boot.index, path));
  return boot.index;
}

void LibvirtDomainImporter::read_hostdev(const pugi::xml_node& hostdev) {
  std::string type = hostdev.attribute("type").as_string();
  pugi::xml_node source = hostdev.child("source");
  report_unread_children(hostdev, fmt::format("<hostdev type='{}'>", type),
                         {"source", "driver", "rom", "boot"});
  if (type == "pci") {
    std::string address = libvirt_pci_address(source.child("address"));
    pci_[address.substr(0, address.size() - 2)].push_back({address, hostdev});
    return;
  }
  if (type == "usb") {
    pugi::xml_node vendor = source.child("vendor");
    pugi::xml_node product = source.child("product");
    if (vendor && product) {
      UsbHostConfig usb;
      usb.vendor_id =
          static_cast<uint16_t>(parse_hex(vendor.attribute("id").as_string()).value_or(0));
      usb.product_id =
          static_cast<uint16_t>(parse_hex(product.attribute("id").as_string()).value_or(0));
      config().usb.push_back(usb);
      result_.carried("<hostdev type='usb'>",
                      fmt::format("[[usb]] id = \"{:04x}:{:04x}\"", usb.vendor_id, usb.product_id));
      return;
    }
    result_.not_carried("<hostdev type='usb'> by bus/device",
                        "a USB device number changes at every plug; add it by port or id "
                        "('vfg devices usb')");
    return;
  }
  result_.not_carried(fmt::format("<hostdev type='{}'>", type), "vfg has no key for it");
}

void LibvirtDomainImporter::finish_gpus() {
  for (const auto& [slot, functions] : pci_) {
    std::string function0 = slot + ".0";
    const GpuCard* card = find_card(host_, function0);
    std::vector<std::string> given;
    for (const auto& function : functions) given.push_back(function.first);
    std::string what = fmt::format("<hostdev type='pci'> {}", join(given, ", "));
    bool card_passed = std::find(given.begin(), given.end(), function0) != given.end();
    if (card == nullptr || !card_passed) {
      for (const auto& [address, node] : functions) {
        config().extra_args.insert(
            config().extra_args.end(),
            {"-device", "vfio-pci,host=" + address + libvirt_hostdev_properties(node)});
      }
      result_.not_carried(what, not_a_passed_card(card, function0));
      continue;
    }
    GpuConfig gpu;
    gpu.address = function0;
    std::vector<std::string> host_functions;
    for (const auto& address : card->functions) host_functions.push_back(address.to_string());
    std::sort(host_functions.begin(), host_functions.end());
    std::sort(given.begin(), given.end());
    gpu.all_functions = given == host_functions;
    if (!gpu.all_functions)
      for (const auto& address : given)
        if (address != function0) gpu.functions.push_back(address);
    for (const auto& [address, node] : functions) {
      if (address != function0) continue;
      pugi::xml_node rom = node.child("rom");
      if (std::string(rom.attribute("enabled").as_string()) != "no")
        gpu.rom_file = rom.attribute("file").as_string();
      gpu.rom_bar = std::string(rom.attribute("bar").as_string()) != "off";
    }
    config().gpus.push_back(gpu);
    result_.carried(
        what,
        fmt::format("[[gpu]] address = \"{}\", functions = {}{}", gpu.address,
                    gpu.all_functions ? "\"all\"" : fmt::format("[{}]", join(gpu.functions, ", ")),
                    gpu.rom_file.empty() ? "" : fmt::format(", rom = \"{}\"", gpu.rom_file)));
    for (const auto& [address, node] : functions)
      report_gpu_function_settings(address, node, address == function0);
    result_.changed(what,
                    "managed= and guest addresses: vfg binds the card itself and puts its "
                    "functions on one root port as on the host");
  }
}

void LibvirtDomainImporter::report_gpu_function_settings(const std::string& address,
                                                         const pugi::xml_node& hostdev,
                                                         bool function0) {
  pugi::xml_node rom = hostdev.child("rom");
  std::string bar = rom.attribute("bar").as_string();
  if (bar == "on")
    result_.carried(fmt::format("<hostdev> {} <rom bar='on'>", address),
                    "the ROM BAR shown: QEMU's default, as vfg runs it");
  if (bar == "off" && function0)
    result_.carried(fmt::format("<hostdev> {} <rom bar='off'>", address), "rom_bar = false");
  else if (bar == "off")
    result_.not_carried(fmt::format("<hostdev> {} <rom bar='off'>", address),
                        "[[gpu]] rom_bar is for the card's first function only; the guest sees "
                        "this function's ROM BAR");
  if (std::string(rom.attribute("enabled").as_string()) == "no")
    result_.not_carried(fmt::format("<hostdev> {} <rom enabled='no'>", address),
                        "vfg has no key to give a card no ROM at all; the guest sees the "
                        "card's own");
  else if (rom.attribute("file") && !function0)
    result_.not_carried(fmt::format("<hostdev> {} <rom file>", address),
                        "[[gpu]] rom is the ROM of the card's first function only");
  if (hostdev.child("boot"))
    result_.not_carried(fmt::format("<hostdev> {} <boot order>", address),
                        "vfg has no key for booting from a passed graphics card");
}

void LibvirtDomainImporter::read_device(const pugi::xml_node& device) {
  std::string kind = device.name();
  if (kind == "disk") return read_disk(device);
  if (kind == "hostdev") return read_hostdev(device);
  if (kind == "interface") {
    report_unread_children(device, "<interface>", {"mac", "source", "model", "boot", "target"});
    NetworkConfig& network = config().network;
    std::string type = device.attribute("type").as_string();
    std::string model = device.child("model").attribute("type").as_string("virtio");
    network.model = model == "virtio" ? NicModel::kVirtio : NicModel::kE1000e;
    network.mac = device.child("mac").attribute("address").as_string();
    if (type == "bridge") {
      network.mode = NetworkMode::kBridge;
      network.bridge = device.child("source").attribute("bridge").as_string("br0");
      result_.carried("<interface type='bridge'>",
                      fmt::format("network.mode = \"bridge\", bridge = \"{}\"", network.bridge));
    } else {
      network.mode = NetworkMode::kUser;
      result_.changed(fmt::format("<interface type='{}'>", type),
                      type == "user"     ? "network.mode = \"user\""
                      : type == "direct" ? "a macvtap on the host's NIC needs root to create; "
                                           "network.mode = \"user\" gives the guest outbound "
                                           "access (network.mode = \"bridge\" puts it on the LAN)"
                                         : "libvirt's NAT network needs its daemon; network.mode = "
                                           "\"user\" gives the guest the same outbound access");
    }
    if (model != "virtio" && model != "e1000e")
      result_.changed("<interface><model>", fmt::format("{}: vfg's emulated NIC is e1000e", model));
    if (device.child("boot"))
      result_.not_carried("<interface><boot order>", "vfg has no key for booting from the network");
    return;
  }
  if (kind == "sound") {
    config().audio.enabled = true;
    std::string model = device.attribute("model").as_string();
    if (model == "ich9")
      result_.carried("<sound model='ich9'>", "audio.enabled = true");
    else
      result_.changed(fmt::format("<sound model='{}'>", model),
                      "vfg's guest sound is ich9-intel-hda + hda-duplex");
    for (pugi::xml_node codec : device.children("codec")) {
      std::string type = codec.attribute("type").as_string();
      std::string what = fmt::format("<sound><codec type='{}'>", type);
      if (type == "duplex")
        result_.carried(what, "hda-duplex, vfg's codec");
      else
        result_.changed(what, fmt::format("hda-{}: vfg's codec is hda-duplex (line out and "
                                          "line in, what Windows' HD Audio driver expects)",
                                          type));
    }
    return;
  }
  if (kind == "audio") {
    std::string type = device.attribute("type").as_string();
    if (type == "pulseaudio") config().audio.backend = AudioBackend::kPulseaudio;
    if (type == "pipewire") config().audio.backend = AudioBackend::kPipewire;
    if (type == "pulseaudio" || type == "pipewire")
      result_.carried(fmt::format("<audio type='{}'>", type),
                      fmt::format("audio.backend = \"{}\"", type));
    else
      result_.changed(fmt::format("<audio type='{}'>", type),
                      "audio.backend = \"auto\": PipeWire or PulseAudio, whichever runs");
    if (const char* server = device.attribute("serverName").as_string(nullptr)) {
      import_audio_server(result_, server, fmt::format("<audio serverName='{}'>", server), {});
    }
    return;
  }
  if (kind == "input" && std::string(device.attribute("type").as_string()) == "evdev") {
    pugi::xml_node source = device.child("source");
    InputConfig input;
    input.evdev = source.attribute("dev").as_string();
    input.grab_all = std::string(source.attribute("grab").as_string()) == "all";
    input.repeat = std::string(source.attribute("repeat").as_string()) == "on";
    input.grab_toggle = source.attribute("grabToggle").as_string(input.grab_toggle.c_str());
    config().inputs.push_back(input);
    result_.carried("<input type='evdev'>", fmt::format("[[input]] evdev = \"{}\"", input.evdev));
    return;
  }
  if (kind == "tpm") {
    config().tpm = true;
    result_.changed("<tpm>", "tpm = true: vfg starts its own swtpm for the VM");
    return;
  }
  if (kind == "shmem") {
    LookingGlassConfig& lg = config().looking_glass;
    lg.enabled = true;
    lg.backend = LookingGlassConfig::Backend::kShm;
    lg.shm_path = "/dev/shm/" + std::string(device.attribute("name").as_string());
    lg.size = libvirt_size(device.child("size"));
    result_.carried(fmt::format("<shmem name='{}'>", device.attribute("name").as_string()),
                    fmt::format("[looking_glass] shm_path = \"{}\", size = \"{}\"", lg.shm_path,
                                size_text(*lg.size)));
    return;
  }
  if (kind == "graphics") {
    spice_ = std::string(device.attribute("type").as_string()) == "spice";
    result_.changed(fmt::format("<graphics type='{}'>", device.attribute("type").as_string()),
                    "vfg's SPICE server listens on a socket in the VM's runtime directory");
    return;
  }
  if (kind == "video") {
    std::string model = device.child("model").attribute("type").as_string("none");
    if (model != "none") video_ = true;
    result_.changed(fmt::format("<video model='{}'>", model),
                    "vfg's display.type decides the emulated display");
    return;
  }
  if (kind == "channel" && std::string(device.child("target").attribute("name").as_string()) ==
                               "org.qemu.guest_agent.0") {
    config().platform.guest_agent = true;
    result_.carried("<channel> org.qemu.guest_agent.0",
                    "platform.guest_agent = true (on a socket in the VM's runtime directory)");
    return;
  }
  if (kind == "emulator") {
    result_.changed("<emulator>", "vfg runs qemu-system-x86_64 from $PATH");
    return;
  }
  std::string what = fmt::format(
      "<{}{}>", kind,
      device.attribute("type") ? fmt::format(" type='{}'", device.attribute("type").as_string())
                               : "");
  static const std::set<std::string> kVfgAdds = {"controller", "input", "memballoon", "channel"};
  if (kVfgAdds.contains(kind))
    result_.changed(what,
                    "vfg adds the controllers, channels and input devices its VM needs itself");
  else if (kind == "serial" && std::string(device.attribute("type").as_string()) == "pty")
    keep_pty_serial(what, device.child("target").attribute("port").as_uint());
  else if (kind == "console")
    result_.changed(what, "the guest's console is its serial port (the <serial> line)");
  else if (kind == "filesystem")
    result_.not_carried(what,
                        "a host folder shared with the guest (virtiofs or 9p): vfg has no "
                        "key for it");
  else
    result_.not_carried(what, "vfg has no key for it");
}

}  // namespace vfg
