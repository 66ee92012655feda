#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "cli/devices_render.h"
#include "host/id_database.h"
#include "util/diagnostics.h"
#include "util/strings.h"

namespace vfg::cli {

namespace {

// Text styles, applied only when colour is on.
struct Styles {
  bool colour;
  [[nodiscard]] std::string heading(std::string_view text) const {
    return styled(text, "1", colour);
  }
  [[nodiscard]] std::string good(std::string_view text) const { return styled(text, "32", colour); }
  [[nodiscard]] std::string warn(std::string_view text) const { return styled(text, "33", colour); }
  [[nodiscard]] std::string bad(std::string_view text) const { return styled(text, "31", colour); }
  [[nodiscard]] std::string dim(std::string_view text) const { return styled(text, "2", colour); }
};

std::string function_name(const PciFunction& f) {
  std::string vendor = f.vendor_name.empty() ? hex4(f.vendor_id) : f.vendor_name;
  std::string device = f.device_name.empty() ? "device " + hex4(f.device_id) : f.device_name;
  return vendor + " " + device;
}

// "0000:03:00.0 (USB controller, xhci_hcd)" for lists of shared endpoints.
std::string describe_endpoint(const PciDevices& devices, const IdDatabase& ids,
                              const PciAddress& address) {
  const PciFunction* f = devices.find(address);
  if (f == nullptr) return address.to_string();
  std::string what = ids.pci_class(f->class_code);
  if (what.empty()) what = function_name(*f);
  return fmt::format("{} ({}, {})", address.to_string(), what, f->driver.value_or("no driver"));
}

std::string verdict_text(const GpuCard& card, const Styles& s) {
  switch (card.verdict) {
    case GpuVerdict::kPassable:
      return s.good("passable");
    case GpuVerdict::kShared:
      return s.bad("shared");
    case GpuVerdict::kIommuOff:
      return s.bad("IOMMU off");
    case GpuVerdict::kIntegrated:
      return s.dim("integrated: stays with the host");
    case GpuVerdict::kBmc:
      return s.dim("BMC display: not a passthrough candidate");
  }
  return "";
}

void render_gpus(std::string& out, const Hardware& hw, const Styles& s) {
  const IdDatabase& ids = IdDatabase::pci();
  out += s.heading("GPUs") + "\n";
  if (!hw.iommu.enabled)
    out += "  " + s.bad("IOMMU is off") +
           ": no IOMMU groups; enable VT-d/AMD-Vi in the firmware (and intel_iommu=on on Intel)\n";
  if (hw.iommu.acs_override)
    out += "  " + s.warn("pcie_acs_override=" + *hw.iommu.acs_override) +
           ": groups are split by a kernel patch, not by hardware isolation (a security "
           "trade-off: devices may still reach each other's memory)\n";
  if (hw.gpus.empty()) out += "  none found\n";
  // Discrete cards first: they are what people come for.
  std::vector<const GpuCard*> cards;
  for (const auto& card : hw.gpus) cards.push_back(&card);
  std::stable_sort(cards.begin(), cards.end(), [](const GpuCard* a, const GpuCard* b) {
    return (a->kind == GpuKind::kDiscrete) > (b->kind == GpuKind::kDiscrete);
  });
  for (const GpuCard* card : cards) {
    const PciFunction* gpu = hw.pci.find(card->gpu);
    if (gpu == nullptr) continue;
    out += fmt::format("  {}  {}  [{}]\n", s.heading(card->gpu.to_string()), function_name(*gpu),
                       to_string(card->kind));
    for (const auto& address : card->functions) {
      const PciFunction* f = hw.pci.find(address);
      if (f == nullptr) continue;
      std::string cls = ids.pci_class(f->class_code);
      std::string group = f->iommu_group ? fmt::format("group {}", *f->iommu_group) : "no group";
      std::string reset = f->reset_methods
                              ? (f->reset_methods->empty() ? "none" : join(*f->reset_methods, " "))
                              : "unknown";
      out += fmt::format("    {}  {}  {:<28} {:<14} {:<9} reset: {}\n", address.to_string(),
                         f->id_string(),
                         cls.empty() ? "class " + fmt::format("{:06x}", f->class_code) : cls,
                         f->driver.value_or("-"), group, reset);
    }
    if (!card->bridges.empty()) {
      std::vector<std::string> names;
      for (const auto& b : card->bridges) names.push_back(b.to_string());
      out += "    card switch: " + join(names, ", ") + "\n";
    }
    out += "    verdict: " + verdict_text(*card, s) + "\n";
    switch (card_binding(*card, hw.pci, hw.handover)) {
      case CardBinding::kBoot:
        out += "    binding: boot (vfio-pci holds it from boot; the host never uses it)\n";
        break;
      case CardBinding::kStart:
        out += "    binding: start (the host's driver until `vfg start`, back at the stop)\n";
        break;
      case CardBinding::kHost:
        break;
    }
    if (card->verdict == GpuVerdict::kShared) {
      std::string groups;
      for (int g : card->iommu_groups) groups += (groups.empty() ? "" : ", ") + std::to_string(g);
      out += fmt::format("      its IOMMU group{} {} also hold{}:\n",
                         card->iommu_groups.size() > 1 ? "s" : "", groups,
                         card->iommu_groups.size() > 1 ? "" : "s");
      for (const auto& address : card->shared_with)
        out += "        " + describe_endpoint(hw.pci, ids, address) + "\n";
      out += "      all of them would have to go to the VM too; try another slot\n";
    }
    if (card->kind != GpuKind::kDiscrete) continue;
    if (card->boot_vga)
      out +=
          "    note: boot display: the host console runs on it; give the host another GPU or "
          "release it before the VM starts\n";
    if (gpu->class_id() == 0x0302)
      out +=
          "    note: 3D controller: no display outputs of its own (MUX-less laptop); view the "
          "guest through Looking Glass\n";
    if (!card->ids_shared_with.empty()) {
      std::vector<std::string> names;
      constexpr size_t kShown = 4;
      for (const auto& a : card->ids_shared_with)
        if (names.size() < kShown) names.push_back(a.to_string());
      if (card->ids_shared_with.size() > kShown)
        names.push_back(fmt::format("and {} more", card->ids_shared_with.size() - kShown));
      out += "    note: vfio-pci.ids would also take " + join(names, ", ") +
             " (same vendor:device IDs); bind by address instead\n";
    }
    const PciFunction* first = gpu;
    if (first->reset_methods && first->reset_methods->empty())
      out += "    note: no reset method: the card may not come back after the VM stops\n";
  }
}

std::string speed_text(const std::string& speed) {
  if (speed.empty()) return "?";
  return speed + "M";
}

void render_usb(std::string& out, const Hardware& hw, const Styles& s) {
  // Ports are spelled as sysfs names them, which is what `vfg new --usb` and
  // `[[usb]] port` take.
  out += s.heading("USB") + "  " + s.dim("(by port: vfg new --usb BUS-PORT, [[usb]] port)") + "\n";
  if (hw.usb.devices.empty()) out += "  none found\n";
  for (const auto& d : hw.usb.devices) {
    if (d.is_root_hub()) {
      std::string controller;
      if (d.controller) {
        controller = " on " + d.controller->to_string();
        if (const PciFunction* f = hw.pci.find(*d.controller))
          controller += " " + function_name(*f);
      }
      out += fmt::format("  bus {} ({}){}\n", d.bus, d.speed.empty() ? "?" : speed_text(d.speed),
                         controller);
      continue;
    }
    size_t depth = static_cast<size_t>(std::count(d.port.begin(), d.port.end(), '.'));
    std::string label = d.name;
    std::string extra = d.is_hub() ? "  [hub]" : "";
    std::vector<std::string> drivers;
    for (const auto& driver : d.interface_drivers)
      if (driver != "hub") drivers.push_back(driver);
    if (!drivers.empty()) extra += "  " + join(drivers, ",");
    out += fmt::format("    {}{:<{}}  {}  {}  {}{}\n", std::string(depth * 2, ' '), label,
                       28 - depth * 2, d.id_string(), d.display_name(), speed_text(d.speed), extra);
  }
}

void render_input(std::string& out, const Hardware& hw, const Styles& s) {
  out += s.heading("Input") + "  " + s.dim("(QEMU: -object input-linux,evdev=PATH)") + "\n";
  if (hw.input.empty()) out += "  none found\n";
  for (const auto& d : hw.input) {
    std::string path = !d.by_id.empty()     ? d.by_id.front()
                       : !d.by_path.empty() ? d.by_path.front()
                                            : d.dev_path;
    std::string where = d.usb_device ? " (USB port " + *d.usb_device + ")" : "";
    out += fmt::format("  {:<9} {}{}\n            {}\n", to_string(d.kind), d.name, where, path);
  }
}

std::string usage_text(const BlockUsage& usage) {
  std::vector<std::string> parts;
  if (usage.root) parts.push_back("root filesystem");
  if (usage.swap) parts.push_back("swap");
  if (!usage.mounts.empty()) parts.push_back("mounted at " + join(usage.mounts, ", "));
  if (!usage.holders.empty()) parts.push_back("holds " + join(usage.holders, ", "));
  return join(parts, "; ");
}

void render_disks(std::string& out, const Hardware& hw, const Styles& s) {
  out += s.heading("Disks") + "\n";
  if (hw.disks.empty()) out += "  none found\n";
  for (const auto& disk : hw.disks) {
    std::string where = disk.transport;
    if (disk.controller) where += (where.empty() ? "" : " ") + disk.controller->to_string();
    out += fmt::format("  {}  {}  {}{}  {}\n", s.heading(disk.name), format_bytes(disk.size_bytes),
                       disk.model.empty() ? "(no model)" : disk.model,
                       disk.serial.empty() ? "" : "  serial " + disk.serial, where);
    if (disk.offerable())
      out +=
          "    " + s.good("free") + ": can be given to a VM whole as " + disk.stable_path() + "\n";
    else
      out += "    " + s.bad("in use") + ": " + usage_text(disk.usage) + " — never offered\n";
    for (const auto& link : disk.by_id) out += "    " + s.dim(link) + "\n";
    for (const auto& p : disk.partitions) {
      std::string fs = p.fs_type.empty() ? "" : "  " + p.fs_type;
      if (!p.label.empty()) fs += " \"" + p.label + "\"";
      std::string use = p.usage.in_use() ? "  " + usage_text(p.usage) : "";
      out += fmt::format("    {}  {}{}{}\n", p.name, format_bytes(p.size_bytes), fs, use);
      for (const auto& link : p.stable_names)
        if (link.find("/by-partuuid/") != std::string::npos) out += "      " + s.dim(link) + "\n";
    }
  }
}

void render_cpu(std::string& out, const Hardware& hw, const Styles& s) {
  const CpuTopology& cpu = hw.cpu;
  out += s.heading("CPU") + "\n";
  if (cpu.online.empty()) {
    out += "  unknown\n";
    return;
  }
  size_t p = 0, e = 0;
  for (const auto& core : cpu.cores) {
    if (core.type == CoreType::kPerformance) ++p;
    if (core.type == CoreType::kEfficiency) ++e;
  }
  std::string mix = cpu.hybrid ? fmt::format(" ({} performance + {} efficiency)", p, e) : "";
  out +=
      fmt::format("  {}\n  {} package{}, {} cores{}, {} threads\n",
                  cpu.model_name.empty() ? "(unknown model)" : cpu.model_name, cpu.packages.size(),
                  cpu.packages.size() == 1 ? "" : "s", cpu.cores.size(), mix, cpu.online.size());
  for (size_t g = 0; g < cpu.l3_groups.size(); ++g) {
    std::vector<std::string> cores;
    for (const auto& core : cpu.cores) {
      if (core.l3_group != static_cast<int>(g)) continue;
      std::vector<std::string> threads;
      for (int t : core.threads) threads.push_back(std::to_string(t));
      std::string tag = core.type == CoreType::kPerformance  ? "P"
                        : core.type == CoreType::kEfficiency ? "E"
                                                             : "";
      cores.push_back(tag + join(threads, "+"));
    }
    out += fmt::format("  L3 #{} (CPUs {}): {}\n", g, format_cpu_list(cpu.l3_groups[g]),
                       join(cores, " "));
  }
  if (cpu.l3_groups.empty()) {
    std::vector<std::string> cores;
    for (const auto& core : cpu.cores) {
      std::vector<std::string> threads;
      for (int t : core.threads) threads.push_back(std::to_string(t));
      cores.push_back(join(threads, "+"));
    }
    out += "  cores: " + join(cores, " ") + "\n";
  }
  for (const auto& node : cpu.numa_nodes)
    out += fmt::format("  NUMA node {}: CPUs {}\n", node.id, format_cpu_list(node.cpus));
  if (!cpu.isolated.empty()) out += "  isolcpus: " + format_cpu_list(cpu.isolated) + "\n";
  if (!cpu.nohz_full.empty()) out += "  nohz_full: " + format_cpu_list(cpu.nohz_full) + "\n";
}

}  // namespace

std::string render_devices_text(const Hardware& hardware, const DeviceSections& sections,
                                bool colour) {
  Styles s{colour};
  std::string out;
  auto section = [&out](bool wanted, auto render) {
    if (!wanted) return;
    if (!out.empty()) out += "\n";
    render();
  };
  section(sections.gpu, [&] { render_gpus(out, hardware, s); });
  section(sections.usb, [&] { render_usb(out, hardware, s); });
  section(sections.input, [&] { render_input(out, hardware, s); });
  section(sections.disks, [&] { render_disks(out, hardware, s); });
  section(sections.cpu, [&] { render_cpu(out, hardware, s); });
  return out;
}

std::string render_usb_plug_text(const UsbDevice& device) {
  return fmt::format("{}  {}  {}  {}M  (vfg new --usb {})\n", device.name, device.id_string(),
                     device.display_name(), device.speed.empty() ? "?" : device.speed, device.name);
}

}  // namespace vfg::cli
