// What setup plans from: the facts it read about the host, and what the user
// wants passed through. Plain values, so the planner is a pure function and
// tests build them by hand.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/boot_system.h"
#include "vm/host_needs.h"
#include "vm/vm_config.h"

namespace vfg {

/// One PCI function as setup needs to know it.
struct SetupPciFunction {
  std::string address;  ///< "0000:01:00.0"
  uint16_t vendor = 0;  ///< 0x10de
  uint16_t device = 0;
  uint32_t class_code = 0;         ///< 0x030000
  std::string driver;              ///< the driver bound now, or empty
  std::string driver_module = {};  ///< its kernel module ("bochs" for "bochs-drm"), or empty

  /// "10de:2684".
  [[nodiscard]] std::string id() const;
};

enum class CpuVendor { kUnknown, kIntel, kAmd };

/// How unknown MSR accesses from the guest are handled.
enum class MsrPolicy {
  kIgnore,  ///< kvm ignore_msrs=1 report_ignored_msrs=0: Windows games and tools that probe MSRs
            ///< keep running
  kFault,   ///< leave KVM's default: unknown MSRs fault (closer to bare metal, "stealth")
};

/// A raw disk or partition, by a udev property that survives reboots.
struct SetupDisk {
  std::string property;  ///< "ID_PART_ENTRY_UUID", "ID_SERIAL" or "ID_WWN"
  std::string value;
  bool whole_disk = false;  ///< match DEVTYPE=="disk" (an ID_SERIAL also labels partitions)
  std::string label;        ///< what the user named, for comments
  std::string partition;    ///< the partition number for a by-id "-partN" name
};

/// A USB device passed with usb-host: by port ("3-1.4") or by vendor:product.
struct SetupUsb {
  std::string port;  ///< the sysfs device name "BUS-PORT[.PORT...]"
  uint16_t vendor = 0;
  uint16_t product = 0;
};

/// What one VM needs from the host (see vm/host_needs.h), with its raw disks
/// and USB devices in the form udev rules match them.
struct SetupVm {
  HostNeeds needs;
  std::vector<SetupDisk> disks;  ///< the needed disk nodes that have a stable name
  std::vector<SetupUsb> usb;

  [[nodiscard]] const std::string& name() const { return needs.vm; }
  /// The Looking Glass node of this kind (kKvmfr or kSharedFile), or nullptr.
  [[nodiscard]] const DeviceNodeNeed* looking_glass(DeviceNodeNeed::Kind kind) const {
    auto nodes = needs.nodes_of(kind);
    return nodes.empty() ? nullptr : nodes.front();
  }
};

/// The user who will run VMs without root.
struct SetupUser {
  std::string name;
  std::optional<uint32_t> uid;
  /// Groups the user is a member of now (from /etc/group and the primary group).
  std::vector<std::string> groups;
};

/// Everything the planner reads.
struct SetupFacts {
  BootSetup boot;
  CpuVendor cpu = CpuVendor::kUnknown;
  /// nullopt: unknown (setup then assumes remapping works and never adds the unsafe option).
  std::optional<bool> interrupt_remapping;
  /// Every PCI function on the host, to tell whether vfio-pci.ids would also catch others.
  std::vector<SetupPciFunction> pci;
  /// Groups that exist in /etc/group.
  std::vector<std::string> existing_groups;
  /// Current contents of every file a generator may edit (absent files are missing).
  std::map<std::string, std::string> files;
  /// Current kernel command line per bootloader tool that keeps it outside files
  /// setup edits (grubby's BLS entries, kernelstub's configuration, ostree entries).
  std::vector<std::string> tool_cmdlines;
};

/// What the user asked for.
struct SetupRequest {
  /// Functions to hand to vfio-pci at boot (a GPU's functions, other devices).
  std::vector<SetupPciFunction> bind;
  /// Cards handed over at `vfg start` (binding = "start"): each card's
  /// functions, function 0 first.
  std::vector<std::vector<SetupPciFunction>> handover;
  /// The vfg the handover service runs as root: an absolute path that only
  /// root can change (checked by gather).
  std::string vfg_binary;
  /// A VM runs in single-GPU mode: its service is installed with the handover's.
  bool single_gpu = false;
  std::vector<SetupVm> vms;
  SetupUser user;
  std::string group = "kvm";
  MsrPolicy msrs = MsrPolicy::kIgnore;
  bool memlock_unlimited = false;
};

}  // namespace vfg
