#include <nlohmann/json.hpp>

#include "cli/devices_render.h"
#include "host/id_database.h"

namespace vfg::cli {

namespace {

using Json = nlohmann::ordered_json;

Json addresses(const std::vector<PciAddress>& list) {
  Json array = Json::array();
  for (const auto& address : list) array.push_back(address.to_string());
  return array;
}

template <typename T>
Json optional_value(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

std::string_view header_name(PciHeaderType type) {
  switch (type) {
    case PciHeaderType::kNormal:
      return "normal";
    case PciHeaderType::kBridge:
      return "bridge";
    case PciHeaderType::kCardBus:
      return "cardbus";
    case PciHeaderType::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Json pci_json(const PciFunction& f, const IdDatabase& ids) {
  Json j;
  j["address"] = f.address.to_string();
  j["vendor_id"] = hex4(f.vendor_id);
  j["device_id"] = hex4(f.device_id);
  j["subsystem_vendor_id"] =
      f.subsystem_vendor_id ? Json(hex4(*f.subsystem_vendor_id)) : Json(nullptr);
  j["subsystem_device_id"] =
      f.subsystem_device_id ? Json(hex4(*f.subsystem_device_id)) : Json(nullptr);
  j["class"] = f.class_code == kPciClassUnknown ? Json(nullptr)
                                                : Json(fmt::format("0x{:06x}", f.class_code));
  j["class_name"] = ids.pci_class(f.class_code);
  j["revision"] = f.revision ? Json(fmt::format("0x{:02x}", *f.revision)) : Json(nullptr);
  j["vendor_name"] = f.vendor_name;
  j["device_name"] = f.device_name;
  j["subsystem_name"] = f.subsystem_name;
  j["driver"] = optional_value(f.driver);
  j["iommu_group"] = optional_value(f.iommu_group);
  j["boot_vga"] = optional_value(f.boot_vga);
  j["reset_methods"] = optional_value(f.reset_methods);
  j["header_type"] = header_name(f.header_type);
  j["parents"] = addresses(f.parents);
  j["sysfs_path"] = f.sysfs_path;
  return j;
}

Json gpu_json(const GpuCard& card, const PciDevices& devices,
              const std::vector<AllowedCard>& handover) {
  Json j;
  j["gpu"] = card.gpu.to_string();
  const PciFunction* gpu = devices.find(card.gpu);
  j["name"] = gpu != nullptr ? gpu->device_name : "";
  j["kind"] = to_string(card.kind);
  j["verdict"] = to_string(card.verdict);
  j["functions"] = addresses(card.functions);
  j["bridges"] = addresses(card.bridges);
  j["iommu_groups"] = card.iommu_groups;
  j["shared_with"] = addresses(card.shared_with);
  j["ids_shared_with"] = addresses(card.ids_shared_with);
  j["boot_vga"] = card.boot_vga;
  Json ids = Json::array();
  for (const auto& address : card.functions)
    if (const PciFunction* f = devices.find(address)) ids.push_back(f->id_string());
  j["vfio_ids"] = ids;
  j["binding"] = to_string(card_binding(card, devices, handover));
  return j;
}

Json usb_json(const UsbDevice& d) {
  Json j;
  j["name"] = d.name;
  j["bus"] = d.bus;
  j["port"] = d.port;
  j["address"] = d.address;
  j["vendor_id"] = hex4(d.vendor_id);
  j["product_id"] = hex4(d.product_id);
  j["manufacturer"] = d.manufacturer;
  j["product"] = d.product;
  j["serial"] = d.serial;
  j["vendor_name"] = d.vendor_name;
  j["product_name"] = d.product_name;
  j["speed_mbps"] = d.speed;
  j["device_class"] = fmt::format("{:02x}", d.device_class);
  j["hub"] = d.is_hub();
  j["root_hub"] = d.is_root_hub();
  j["controller"] = d.controller ? Json(d.controller->to_string()) : Json(nullptr);
  j["interface_drivers"] = d.interface_drivers;
  j["qemu"] =
      d.is_root_hub() ? Json(nullptr) : Json(fmt::format("hostbus={},hostport={}", d.bus, d.port));
  return j;
}

Json usage_json(const BlockUsage& usage) {
  Json j;
  j["in_use"] = usage.in_use();
  j["mounts"] = usage.mounts;
  j["root"] = usage.root;
  j["swap"] = usage.swap;
  j["holders"] = usage.holders;
  return j;
}

Json disk_json(const Disk& disk) {
  Json j;
  j["name"] = disk.name;
  j["dev_path"] = disk.dev_path;
  j["stable_path"] = disk.stable_path();
  j["size_bytes"] = disk.size_bytes;
  j["model"] = disk.model;
  j["serial"] = disk.serial;
  j["transport"] = disk.transport;
  j["rotational"] = disk.rotational;
  j["removable"] = disk.removable;
  j["controller"] = disk.controller ? Json(disk.controller->to_string()) : Json(nullptr);
  j["by_id"] = disk.by_id;
  j["offerable"] = disk.offerable();
  j["usage"] = usage_json(disk.usage);
  Json parts = Json::array();
  for (const auto& p : disk.partitions) {
    Json pj;
    pj["name"] = p.name;
    pj["number"] = p.number;
    pj["size_bytes"] = p.size_bytes;
    pj["partuuid"] = p.partuuid;
    pj["fs_uuid"] = p.fs_uuid;
    pj["fs_type"] = p.fs_type;
    pj["label"] = p.label;
    pj["stable_names"] = p.stable_names;
    pj["usage"] = usage_json(p.usage);
    parts.push_back(std::move(pj));
  }
  j["partitions"] = std::move(parts);
  return j;
}

Json cpu_json(const CpuTopology& cpu) {
  Json j;
  j["model_name"] = cpu.model_name;
  j["online"] = cpu.online;
  j["packages"] = cpu.packages;
  j["threads_per_core"] = cpu.threads_per_core();
  j["hybrid"] = cpu.hybrid;
  Json cores = Json::array();
  for (const auto& core : cpu.cores) {
    Json c;
    c["package"] = core.package;
    c["core_id"] = core.core_id;
    c["threads"] = core.threads;
    c["type"] = core.type == CoreType::kUnknown ? Json(nullptr) : Json(to_string(core.type));
    c["l3_group"] = core.l3_group;
    c["numa_node"] = core.numa_node;
    cores.push_back(std::move(c));
  }
  j["cores"] = std::move(cores);
  j["l3_groups"] = cpu.l3_groups;
  Json nodes = Json::array();
  for (const auto& node : cpu.numa_nodes) nodes.push_back({{"id", node.id}, {"cpus", node.cpus}});
  j["numa_nodes"] = std::move(nodes);
  j["isolated"] = cpu.isolated;
  j["nohz_full"] = cpu.nohz_full;
  return j;
}

Json input_json(const InputDevice& d) {
  Json j;
  j["event"] = d.event;
  j["dev_path"] = d.dev_path;
  j["name"] = d.name;
  j["kind"] = to_string(d.kind);
  j["by_id"] = d.by_id;
  j["by_path"] = d.by_path;
  j["usb_device"] = optional_value(d.usb_device);
  j["vendor_id"] = hex4(d.vendor_id);
  j["product_id"] = hex4(d.product_id);
  return j;
}

}  // namespace

std::string render_devices_json(const Hardware& hardware, const DeviceSections& sections) {
  Json j;
  j["schema"] = 1;
  if (sections.gpu) {
    const IdDatabase& ids = IdDatabase::pci();
    Json iommu;
    iommu["enabled"] = hardware.iommu.enabled;
    iommu["acs_override"] = optional_value(hardware.iommu.acs_override);
    Json groups = Json::array();
    for (const auto& group : hardware.iommu.groups)
      groups.push_back({{"number", group.number},
                        {"devices", addresses(group.devices)},
                        {"other_devices", group.other_devices}});
    iommu["groups"] = std::move(groups);
    j["iommu"] = std::move(iommu);
    Json gpus = Json::array();
    for (const auto& card : hardware.gpus)
      gpus.push_back(gpu_json(card, hardware.pci, hardware.handover));
    j["gpus"] = std::move(gpus);
    Json pci = Json::array();
    for (const auto& f : hardware.pci.functions) pci.push_back(pci_json(f, ids));
    j["pci"] = std::move(pci);
  }
  if (sections.usb) {
    Json usb = Json::array();
    for (const auto& d : hardware.usb.devices) usb.push_back(usb_json(d));
    j["usb"] = std::move(usb);
  }
  if (sections.input) {
    Json input = Json::array();
    for (const auto& d : hardware.input) input.push_back(input_json(d));
    j["input"] = std::move(input);
  }
  if (sections.disks) {
    Json disks = Json::array();
    for (const auto& d : hardware.disks) disks.push_back(disk_json(d));
    j["disks"] = std::move(disks);
  }
  if (sections.cpu) j["cpu"] = cpu_json(hardware.cpu);
  return j.dump(2) + "\n";
}

std::string render_usb_plug_json(const UsbDevice& device) { return usb_json(device).dump() + "\n"; }

}  // namespace vfg::cli
