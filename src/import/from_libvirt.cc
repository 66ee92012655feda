#include "import/from_libvirt.h"

#include <set>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "import/from_qemu.h"
#include "import/libvirt_domain_importer.h"
#include "util/strings.h"
#include "vm/argv_context.h"
#include "vm/config_syntax.h"
#include "vm/config_writer.h"

namespace vfg {

namespace {

std::string join_numbers(const std::vector<uint32_t>& numbers) {
  std::vector<std::string> text;
  for (uint32_t n : numbers) text.push_back(std::to_string(n));
  return join(text, ", ");
}

}  // namespace

uint64_t libvirt_size(const pugi::xml_node& node) {
  uint64_t value = parse_uint(node.text().as_string()).value_or(0);
  std::string unit = node.attribute("unit").as_string("KiB");
  if (unit == "b" || unit == "bytes") return value;
  auto shifted = parse_size("1" + unit);
  return value * shifted.value_or(1024);
}

std::string libvirt_pci_address(const pugi::xml_node& address) {
  PciAddressParts parts;
  parts.domain =
      static_cast<uint32_t>(parse_uint(address.attribute("domain").as_string("0")).value_or(0));
  parts.bus =
      static_cast<uint32_t>(parse_uint(address.attribute("bus").as_string("0")).value_or(0));
  parts.device =
      static_cast<uint32_t>(parse_uint(address.attribute("slot").as_string("0")).value_or(0));
  parts.function =
      static_cast<uint32_t>(parse_uint(address.attribute("function").as_string("0")).value_or(0));
  return format_pci_address(parts);
}

ImportResult LibvirtDomainImporter::run() {
  read_memory();
  read_cpu();
  read_os();
  read_features();
  pugi::xml_node devices = domain_.child("devices");
  for (pugi::xml_node device : devices.children()) read_device(device);
  finish_gpus();
  read_qemu_commandline();
  for (pugi::xml_node child : domain_.children()) {
    static const std::set<std::string> kRead = {"name",
                                                "uuid",
                                                "memory",
                                                "currentMemory",
                                                "vcpu",
                                                "cputune",
                                                "cpu",
                                                "os",
                                                "features",
                                                "clock",
                                                "devices",
                                                "memoryBacking",
                                                "qemu:commandline",
                                                "on_poweroff",
                                                "on_reboot",
                                                "on_crash",
                                                "pm",
                                                "metadata",
                                                "title",
                                                "description",
                                                "resource",
                                                "iothreads",
                                                "sysinfo",
                                                "numatune"};
    if (!kRead.contains(child.name()))
      result_.not_carried(fmt::format("<{}>", child.name()), "vfg has no key for it");
  }
  report_elements_without_keys();
  for (const auto& [kind, boot] : os_boot_)
    if (!boot.implicit)
      result_.not_carried(boot.what, fmt::format("the domain has no {} to boot from", kind));
  return std::move(result_);
}

void LibvirtDomainImporter::report_elements_without_keys() {
  if (domain_.child("numatune"))
    result_.not_carried("<numatune>", "vfg has no key for NUMA memory placement");
  if (domain_.child("sysinfo") || domain_.child("os").child("smbios"))
    result_.not_carried("<sysinfo>/<smbios>",
                        "vfg has no key for SMBIOS strings (-smbios in extra_args sets them)");
  if (domain_.child("resource"))
    result_.not_carried("<resource>", "libvirt's cgroup partition: vfg has no key for it");
  if (domain_.child("iothreads"))
    result_.changed("<iothreads>", "vfg gives its virtio disks one I/O thread of their own");
  if (domain_.child("vcpu").attribute("cpuset")) {
    result_.changed("<vcpu cpuset>",
                    "vfg places the vCPUs by cpu.pin (and QEMU's own threads "
                    "on cpu.host_cores)");
  }
}

void LibvirtDomainImporter::read_memory() {
  uint64_t size = libvirt_size(domain_.child("memory"));
  if (size != 0) {
    config().memory.size = size;
    result_.carried("<memory>", fmt::format("memory.size = \"{}\"", size_text(size)));
  }
  pugi::xml_node backing = domain_.child("memoryBacking");
  if (pugi::xml_node pages = backing.child("hugepages")) {
    pugi::xml_node page = pages.child("page");
    uint64_t page_size = page ? libvirt_size(page) : 2 * kMiB;
    config().memory.hugepages = page_size >= kGiB ? HugePages::k1G : HugePages::k2M;
    result_.carried("<memoryBacking><hugepages>",
                    fmt::format("memory.hugepages = \"{}\"", page_size >= kGiB ? "1G" : "2M"));
  }
  if (backing.child("locked")) {
    config().memory.lock = true;
    result_.carried("<memoryBacking><locked>", "memory.lock = true");
  }
  if (std::string(backing.child("allocation").attribute("mode").as_string()) == "immediate") {
    config().memory.prealloc = true;
    result_.carried("<memoryBacking><allocation mode='immediate'>", "memory.prealloc = true");
  }
  for (const char* other : {"discard", "nosharepages"})
    if (backing.child(other))
      result_.changed(fmt::format("<memoryBacking><{}>", other),
                      "vfg picks the memory backend and its options itself");
  if (backing.child("source") || backing.child("access"))
    result_.changed("<memoryBacking><source>/<access>",
                    "vfg picks the memory backend itself (memfd, hugetlbfs when huge pages)");
}

void LibvirtDomainImporter::read_cpu() {
  CpuConfig& cpu = config().cpu;
  uint32_t vcpus = static_cast<uint32_t>(domain_.child("vcpu").text().as_uint(4));
  pugi::xml_node node = domain_.child("cpu");
  pugi::xml_node topology = node.child("topology");
  if (topology) {
    cpu.sockets = topology.attribute("sockets").as_uint(1);
    cpu.cores = topology.attribute("cores").as_uint(1) * topology.attribute("dies").as_uint(1);
    cpu.threads = topology.attribute("threads").as_uint(1);
    result_.carried("<cpu><topology>", fmt::format("cpu.sockets = {}, cores = {}, threads = {}",
                                                   cpu.sockets, cpu.cores, cpu.threads));
  } else {
    cpu.sockets = 1;
    cpu.cores = vcpus;
    cpu.threads = 1;
    result_.carried("<vcpu>", fmt::format("cpu.cores = {}, threads = 1", vcpus));
  }
  std::string mode = node.attribute("mode").as_string("host-passthrough");
  if (mode == "host-passthrough" || mode == "host-model") {
    cpu.model = "host";
    result_.carried(fmt::format("<cpu mode='{}'>", mode), "cpu.model = \"host\"");
  } else if (pugi::xml_node model = node.child("model")) {
    cpu.model = model.text().as_string("host");
    result_.carried("<cpu><model>", fmt::format("cpu.model = \"{}\"", cpu.model));
  }
  for (pugi::xml_node feature : node.children("feature")) {
    std::string what =
        fmt::format("<feature policy='{}' name='{}'>", feature.attribute("policy").as_string(),
                    feature.attribute("name").as_string());
    if (std::string(feature.attribute("name").as_string()) == "hypervisor" &&
        std::string(feature.attribute("policy").as_string()) == "disable") {
      hidden_ = true;
    } else if (std::string(feature.attribute("name").as_string()) == "topoext") {
      result_.changed(what, "vfg turns topoext on for -cpu host with SMT on AMD itself");
    } else {
      std::string policy = feature.attribute("policy").as_string("require");
      bool on = policy != "disable" && policy != "forbid";
      keep_cpu_property(what, feature.attribute("name").as_string(), on);
    }
  }
  // What libvirt's cache passthrough turns into on QEMU's -cpu.
  if (std::string(node.child("cache").attribute("mode").as_string()) == "passthrough") {
    keep_cpu_property("<cpu><cache mode='passthrough'>", "host-cache-info", true);
    keep_cpu_property("<cpu><cache mode='passthrough'>", "l3-cache", false);
  } else if (node.child("cache")) {
    result_.not_carried("<cpu><cache>", "vfg builds -cpu itself and has no key for it");
  }
  // Pins: vcpu → cpuset, when each is a single host CPU.
  pugi::xml_node tune = domain_.child("cputune");
  std::vector<uint32_t> pins(cpu.vcpus(), UINT32_MAX);
  bool single = true;
  size_t count = 0;
  for (pugi::xml_node pin : tune.children("vcpupin")) {
    uint32_t vcpu = pin.attribute("vcpu").as_uint();
    auto host_cpu = parse_uint(pin.attribute("cpuset").as_string());
    if (vcpu >= pins.size() || !host_cpu) {
      single = false;
      continue;
    }
    pins[vcpu] = static_cast<uint32_t>(*host_cpu);
    ++count;
  }
  if (count > 0) {
    if (single && count == pins.size()) {
      cpu.pin.mode = CpuPin::Mode::kList;
      cpu.pin.host_cpus = pins;
      result_.carried("<cputune><vcpupin>", fmt::format("cpu.pin = [{}]", join_numbers(pins)));
    } else {
      result_.changed("<cputune><vcpupin>",
                      "not one host CPU per vCPU: cpu.pin = \"auto\" "
                      "pins each vCPU to a host thread itself");
    }
  }
  for (const char* other : {"emulatorpin", "iothreadpin", "vcpusched", "emulatorsched"})
    if (tune.child(other))
      result_.changed(fmt::format("<cputune><{}>", other),
                      "vfg places QEMU's own threads on the host cores it keeps (cpu.host_cores)");
}

void LibvirtDomainImporter::keep_cpu_property(const std::string& what, const std::string& property,
                                              bool on) {
  std::string global = fmt::format("x86_64-cpu.{}={}", property, on ? "on" : "off");
  config().extra_args.insert(config().extra_args.end(), {"-global", global});
  result_.changed(what,
                  fmt::format("vfg builds -cpu itself; kept in extra_args as -global {}", global));
}

std::string libvirt_hostdev_properties(const pugi::xml_node& hostdev) {
  std::string out;
  pugi::xml_node rom = hostdev.child("rom");
  std::string bar = rom.attribute("bar").as_string();
  if (bar == "on" || bar == "off") out += bar == "on" ? ",rombar=1" : ",rombar=0";
  if (std::string(rom.attribute("enabled").as_string()) == "no")
    out += ",romfile=";
  else if (const char* file = rom.attribute("file").as_string(nullptr))
    out += ",romfile=" + qemu_opts_escape(file);
  if (pugi::xml_node boot = hostdev.child("boot"))
    out += fmt::format(",bootindex={}", boot.attribute("order").as_uint());
  return out;
}

void LibvirtDomainImporter::read_boot_settings(const pugi::xml_node& os) {
  // libvirt refuses <os><boot> next to a device's <boot order>; should both come, the
  // devices' order is the one read.
  bool device_order = false;
  for (pugi::xml_node device : domain_.child("devices").children())
    device_order = device_order || device.child("boot");
  uint32_t position = 0;
  for (pugi::xml_node boot : os.children("boot")) {
    std::string dev = boot.attribute("dev").as_string();
    std::string what = fmt::format("<os><boot dev='{}'>", dev);
    ++position;
    if (device_order) {
      result_.changed(what, "the devices' own <boot order> is the boot order (boot_index)");
    } else if (dev == "hd" || dev == "cdrom") {
      // libvirt gives the boot index to the first disk of the kind; read_disk carries it.
      os_boot_.emplace(dev == "hd" ? "disk" : "cdrom", OsBoot{position, what, false});
    } else {
      result_.not_carried(what, dev == "network" ? "vfg has no key for booting from the network"
                                                 : "vfg has no floppy drives");
    }
  }
  // Without any, libvirt boots as with <boot dev='hd'/> (and `virsh dumpxml` shows it).
  if (!device_order && !os.child("boot"))
    os_boot_.emplace("disk", OsBoot{1, "<os> without <boot> (libvirt's <boot dev='hd'>)", true});
  pugi::xml_node menu = os.child("bootmenu");
  if (!menu) return;
  if (!menu.attribute("enable").as_bool()) {
    result_.carried("<os><bootmenu enable='no'>", "no boot menu: QEMU's default, as vfg runs it");
    return;
  }
  std::string setting = "menu=on";
  if (pugi::xml_attribute timeout = menu.attribute("timeout"))
    setting += fmt::format(",splash-time={}", timeout.as_uint());
  config().extra_args.insert(config().extra_args.end(), {"-boot", setting});
  result_.not_carried("<os><bootmenu enable='yes'>",
                      fmt::format("vfg has no key for the firmware's boot menu; kept in "
                                  "extra_args as -boot {}",
                                  setting));
}

void LibvirtDomainImporter::read_os() {
  pugi::xml_node os = domain_.child("os");
  read_boot_settings(os);
  std::string machine = os.child("type").attribute("machine").as_string();
  if (machine.find("q35") != std::string::npos)
    result_.carried("<os><type machine>", "q35 (vfg's machine)");
  else
    result_.changed("<os><type machine>", fmt::format("{}: vfg always uses q35", machine));
  pugi::xml_node loader = os.child("loader");
  pugi::xml_node nvram = os.child("nvram");
  bool efi = std::string(os.attribute("firmware").as_string()) == "efi" || loader;
  if (!efi) {
    config().firmware.type = FirmwareConfig::Type::kBios;
    result_.carried("<os>", "firmware.type = \"bios\"");
    return;
  }
  if (pugi::xml_node features = os.child("firmware")) {
    for (pugi::xml_node feature : features.children("feature"))
      if (std::string(feature.attribute("name").as_string()) == "secure-boot" &&
          feature.attribute("enabled").as_bool())
        config().firmware.secure_boot = true;
  }
  if (std::string(loader.attribute("secure").as_string()) == "yes")
    config().firmware.secure_boot = true;
  std::string code = trim(loader.text().as_string()).data() == nullptr
                         ? ""
                         : std::string(trim(loader.text().as_string()));
  std::string vars = std::string(trim(nvram.text().as_string()));
  if (!code.empty() && !vars.empty()) {
    config().firmware.code = code;
    config().firmware.vars = vars;
    result_.carried("<os><loader>", fmt::format("firmware.code = \"{}\"", code));
    result_.changed("<os><nvram>", fmt::format("firmware.vars = \"{}\": vfg copies it once to the "
                                               "VM's data directory (the boot entries come along)",
                                               vars));
  } else {
    result_.changed("<os firmware='efi'>",
                    "OVMF from QEMU's firmware descriptors, with the "
                    "VM's own variables file");
  }
  if (config().firmware.secure_boot)
    result_.carried("<os> secure boot", "firmware.secure_boot = true");
}

void LibvirtDomainImporter::read_features() {
  pugi::xml_node features = domain_.child("features");
  pugi::xml_node hyperv = features.child("hyperv");
  bool enlightened = false;
  for (pugi::xml_node flag : hyperv.children()) {
    if (std::string(flag.name()) == "vendor_id" &&
        flag.attribute("state").as_string() == std::string("on")) {
      config().cpu.hv_vendor_id = std::string(flag.attribute("value").as_string()).substr(0, 12);
      result_.carried("<hyperv><vendor_id>",
                      fmt::format("cpu.hv_vendor_id = \"{}\"", config().cpu.hv_vendor_id));
    } else if (flag.attribute("state").as_string() == std::string("on")) {
      enlightened = true;
    }
  }
  if (std::string(hyperv.attribute("mode").as_string()) == "passthrough") enlightened = true;
  if (features.child("kvm").child("hidden").attribute("state").as_string() == std::string("on"))
    hidden_ = true;
  if (enlightened && hidden_) {
    config().cpu.hyperv = HypervProfile::kPerformance;
    result_.changed("<hyperv> with <kvm><hidden>",
                    "Hyper-V enlightenments with KVM hidden (the "
                    "old recipe against NVIDIA's error 43): "
                    "hyperv = \"performance\"");
  } else if (hidden_) {
    config().cpu.hyperv = HypervProfile::kStealth;
    result_.carried("<kvm><hidden state='on'>", "cpu.hyperv = \"stealth\"");
  } else if (enlightened) {
    result_.changed("<hyperv>", "vfg's performance set of enlightenments (hyperv = \"auto\")");
  } else {
    config().cpu.hyperv = HypervProfile::kOff;
    result_.carried("<features> without <hyperv>", "cpu.hyperv = \"off\"");
  }
  // KVM's paravirtual hints are CPU properties named kvm-<element> (hint-dedicated,
  // poll-control, pv-ipi); the rest of <kvm> has no -cpu form.
  for (pugi::xml_node flag : features.child("kvm").children()) {
    std::string name = flag.name();
    std::string what = fmt::format("<kvm><{}>", name);
    if (name == "hint-dedicated" || name == "poll-control" || name == "pv-ipi")
      keep_cpu_property(what, "kvm-" + name,
                        flag.attribute("state").as_string() == std::string("on"));
    else if (name != "hidden")
      result_.not_carried(what, "vfg has no key for it");
  }
  // The APIC's paravirtual end-of-interrupt is a property of the guest's CPU.
  if (const char* eoi = features.child("apic").attribute("eoi").as_string(nullptr))
    keep_cpu_property(fmt::format("<features><apic eoi='{}'>", eoi), "kvm-pv-eoi",
                      std::string(eoi) == "on");
  for (pugi::xml_node other : features.children()) {
    std::string name = other.name();
    if (name != "hyperv" && name != "kvm")
      result_.changed(fmt::format("<features><{}>", name),
                      "vfg sets the machine's features itself");
  }
  read_clock();
  read_power_management();
}

void LibvirtDomainImporter::read_clock() {
  PlatformConfig& platform = config().platform;
  for (pugi::xml_node timer : domain_.child("clock").children("timer")) {
    std::string name = timer.attribute("name").as_string();
    std::string present = timer.attribute("present").as_string();
    std::string policy = timer.attribute("tickpolicy").as_string();
    std::string what = fmt::format("<timer name='{}'{}{}>", name,
                                   present.empty() ? "" : fmt::format(" present='{}'", present),
                                   policy.empty() ? "" : fmt::format(" tickpolicy='{}'", policy));
    if (name == "hpet" && (present == "yes" || present == "no")) {
      platform.hpet = present == "yes";
      result_.carried(what, fmt::format("platform.hpet = {}", present == "yes"));
    } else if (name == "pit" && present != "no" && (policy == "delay" || policy == "discard")) {
      platform.pit_lost_ticks = policy == "delay" ? PlatformConfig::LostTicks::kDelay
                                                  : PlatformConfig::LostTicks::kDiscard;
      result_.carried(what, fmt::format("platform.pit_lost_ticks = \"{}\"", policy));
    } else if (name == "rtc" && present != "no" && (policy == "catchup" || policy == "delay")) {
      // libvirt's catchup is QEMU's -rtc driftfix=slew; delay is no drift fix.
      platform.rtc_driftfix = policy == "catchup";
      result_.carried(what, fmt::format("platform.rtc_driftfix = {}", policy == "catchup"));
    } else {
      result_.changed(what,
                      "vfg sets the guest's timers itself (no HPET, the PIT's lost ticks "
                      "delayed, the Hyper-V clock with its enlightenments; [platform] in "
                      "docs/config.md changes them)");
    }
  }
  std::string offset = domain_.child("clock").attribute("offset").as_string("utc");
  config().rtc_localtime = offset == "localtime";
  result_.carried(fmt::format("<clock offset='{}'>", offset),
                  fmt::format("rtc_localtime = {}", offset == "localtime"));
}

void LibvirtDomainImporter::read_power_management() {
  for (pugi::xml_node state : domain_.child("pm").children()) {
    std::string name = state.name();
    std::string enabled = state.attribute("enabled").as_string();
    std::string what = fmt::format("<pm><{} enabled='{}'>", name, enabled);
    bool known = (name == "suspend-to-mem" || name == "suspend-to-disk") &&
                 (enabled == "yes" || enabled == "no");
    if (!known) {
      result_.not_carried(what, "vfg has no key for it");
      continue;
    }
    std::optional<bool>& offered =
        name == "suspend-to-mem" ? config().platform.s3 : config().platform.s4;
    offered = enabled == "yes";
    result_.carried(what, fmt::format("platform.{} = {}", name == "suspend-to-mem" ? "s3" : "s4",
                                      enabled == "yes"));
  }
}

void LibvirtDomainImporter::read_qemu_commandline() {
  pugi::xml_node commandline = domain_.child("qemu:commandline");
  QemuInvocation invocation;
  for (pugi::xml_node arg : commandline.children("qemu:arg"))
    invocation.argv.push_back(arg.attribute("value").as_string());
  for (pugi::xml_node env : commandline.children("qemu:env"))
    invocation.environment[env.attribute("name").as_string()] = env.attribute("value").as_string();
  if (!invocation.argv.empty() || !invocation.environment.empty()) {
    ImportResult extra = import_qemu_command(invocation, config().name, host_, {});
    VmConfig& c = config();
    c.inputs.insert(c.inputs.end(), extra.config.inputs.begin(), extra.config.inputs.end());
    if (extra.config.looking_glass.enabled) c.looking_glass = extra.config.looking_glass;
    c.extra_args.insert(c.extra_args.end(), extra.config.extra_args.begin(),
                        extra.config.extra_args.end());
    c.usb.insert(c.usb.end(), extra.config.usb.begin(), extra.config.usb.end());
    c.gpus.insert(c.gpus.end(), extra.config.gpus.begin(), extra.config.gpus.end());
    if (extra.config.audio.enabled) c.audio = extra.config.audio;
    for (auto& note : extra.notes) {
      // The scratch import's defaults (no disks, no firmware) say nothing about the domain.
      if (note.source.starts_with("(no ")) continue;
      note.source = "<qemu:commandline> " + note.source;
      result_.notes.push_back(note);
    }
  }
  DisplayConfig& display = config().display;
  if (config().gpus.empty() && video_)
    display.type = DisplayConfig::Type::kStd;
  else if (spice_ && config().gpus.empty())
    display.type = DisplayConfig::Type::kSpice;
}

Result<ImportResult> import_libvirt_domain(std::string_view xml, const std::string& name,
                                           const ImportHost& host) {
  pugi::xml_document document;
  pugi::xml_parse_result parsed = document.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return fail("not well-formed XML at byte {}: {}", parsed.offset, parsed.description());
  }
  pugi::xml_node domain = document.child("domain");
  if (!domain) return fail("the XML has no <domain> element; give 'virsh dumpxml DOMAIN' output");
  return LibvirtDomainImporter(domain, name, host).run();
}

}  // namespace vfg
