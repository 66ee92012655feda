#include "host/hardware.h"

#include <future>

#include "host/id_database.h"

namespace vfg {

void name_pci_devices(PciDevices& devices) {
  const IdDatabase& ids = IdDatabase::pci();
  if (!ids.loaded()) return;
  for (auto& function : devices.functions) {
    if (function.vendor_id == 0xffff) continue;
    function.vendor_name = ids.vendor(function.vendor_id);
    function.device_name = ids.device(function.vendor_id, function.device_id);
    if (function.subsystem_vendor_id && function.subsystem_device_id)
      function.subsystem_name =
          ids.subsystem(function.vendor_id, function.device_id, *function.subsystem_vendor_id,
                        *function.subsystem_device_id);
  }
}

void name_usb_devices(UsbDevices& devices) {
  const IdDatabase& ids = IdDatabase::usb();
  if (!ids.loaded()) return;
  for (auto& device : devices.devices) {
    device.vendor_name = ids.vendor(device.vendor_id);
    device.product_name = ids.device(device.vendor_id, device.product_id);
  }
}

Hardware scan_hardware(const HostRoot& root, const HardwareParts& parts) {
  Hardware hardware;
  // The families are independent: read USB, input, disks and CPU on a second
  // thread while this one reads PCI, the biggest part.
  auto others = std::async(std::launch::async, [&root, &parts, &hardware] {
    if (parts.usb) {
      hardware.usb = scan_usb(root);
      if (parts.names) name_usb_devices(hardware.usb);
    }
    if (parts.input) hardware.input = scan_input(root);
    if (parts.disks) hardware.disks = scan_disks(root);
    if (parts.cpu) hardware.cpu = scan_cpu_topology(root);
  });
  if (parts.pci) {
    hardware.pci = scan_pci(root);
    if (parts.names) name_pci_devices(hardware.pci);
    hardware.iommu = scan_iommu_groups(root);
    hardware.gpus = find_gpu_cards(hardware.pci, hardware.iommu);
    if (auto handover = read_handover_allowlist(root)) hardware.handover = std::move(*handover);
    for (auto& card : hardware.gpus) card.shows_output = gpu_shows_output(root, card.gpu);
  }
  others.get();
  return hardware;
}

}  // namespace vfg
