// The importer of one libvirt domain: domain-level facts (memory, CPU,
// firmware, features, <qemu:commandline>) in from_libvirt.cc, the <devices>
// in libvirt_devices.cc. Each element read gets a line in the report.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "import/import_report.h"

namespace vfg {

/// libvirt sizes: a number and a unit attribute (KiB when absent).
uint64_t libvirt_size(const pugi::xml_node& node);

/// "dddd:bb:dd.f" of a libvirt <address domain= bus= slot= function=>.
std::string libvirt_pci_address(const pugi::xml_node& address);

/// The vfio-pci properties libvirt gives a PCI host device for its <rom> (bar, file,
/// enabled='no') and <boot order>, in QEMU's legacy syntax: ",rombar=0,bootindex=2".
std::string libvirt_hostdev_properties(const pugi::xml_node& hostdev);

class LibvirtDomainImporter {
 public:
  LibvirtDomainImporter(const pugi::xml_node& domain, const std::string& name,
                        const ImportHost& host)
      : domain_(domain), host_(host) {
    result_.config.name = name;
    result_.config.audio.enabled = false;
    result_.config.network.mode = NetworkMode::kNone;
  }

  ImportResult run();

 private:
  VmConfig& config() { return result_.config; }

  /// Elements the list in run() accepts that vfg has no key for (or sets its own way):
  /// each still gets its line, so nothing goes unmentioned.
  void report_elements_without_keys();
  void read_memory();
  void read_cpu();
  /// A CPU property vfg has no key for, kept as QEMU's -global for the CPU (as the
  /// script importer keeps -cpu flags).
  void keep_cpu_property(const std::string& what, const std::string& property, bool on);
  void read_os();
  /// <os><boot dev> (given to the first disk of each kind, as libvirt does) and <bootmenu>.
  void read_boot_settings(const pugi::xml_node& os);
  void read_features();
  /// <clock> offset and timers: rtc_localtime and [platform]'s timer keys.
  void read_clock();
  /// <pm>: [platform] s3 and s4.
  void read_power_management();
  void read_qemu_commandline();

  // <devices> (libvirt_devices.cc)
  void read_device(const pugi::xml_node& device);
  void read_disk(const pugi::xml_node& disk);
  void read_hostdev(const pugi::xml_node& hostdev);
  /// PCI host devices by slot: a graphics card becomes a [[gpu]], anything else extra_args.
  void finish_gpus();
  /// What libvirt passes with a card's function that vfg's [[gpu]] has no key for:
  /// the ROM BAR, no ROM at all, a ROM on another function, a boot index.
  void report_gpu_function_settings(const std::string& address, const pugi::xml_node& hostdev,
                                    bool function0);
  /// The boot index <os><boot dev> gives the first disk of `kind` ("disk", "cdrom"), once.
  std::optional<uint32_t> take_os_boot(const std::string& kind, bool carried,
                                       const std::string& path);
  /// A line for each child element of `device` (labelled `what`) outside `read` and the
  /// placement libvirt adds, so that nothing under a device goes unmentioned.
  void report_unread_children(const pugi::xml_node& device, const std::string& what,
                              const std::set<std::string>& read);
  /// A serial port on a host pty: vfg has no key for it; kept as libvirt gives it to QEMU.
  void keep_pty_serial(const std::string& what, unsigned port);

  pugi::xml_node domain_;
  const ImportHost& host_;
  ImportResult result_;
  bool hidden_ = false;
  bool spice_ = false;
  bool video_ = false;
  std::map<std::string, std::vector<std::pair<std::string, pugi::xml_node>>> pci_;
  /// A position in <os><boot dev> not yet given to a disk, with its report label.
  struct OsBoot {
    uint32_t index = 0;
    std::string what;
    bool implicit = false;  ///< libvirt's default, not written in the domain
  };
  std::map<std::string, OsBoot> os_boot_;  ///< by disk kind: "disk", "cdrom"
};

}  // namespace vfg
