// What a VM needs from the host, as one value computed from its definition
// (and, when there is one, its launch plan). `vfg check` asks whether each
// need is met, `vfg setup` writes the files that meet it, and a finding's fix
// names setup's file for it. A new kind of passthrough adds its need here
// first; both sides then follow from the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vm/launch_plan.h"
#include "vm/vm_config.h"

namespace vfg {

/// A device node (or shared-memory file) someone must open without root.
struct DeviceNodeNeed {
  enum class Kind {
    kVfio,       ///< /dev/vfio/N of the passed PCI functions (QEMU)
    kDisk,       ///< a raw block device (QEMU)
    kUsb,        ///< the /dev/bus/usb node of a passed USB device (QEMU)
    kInput,      ///< an evdev node (QEMU, read only)
    kKvmfr,      ///< the Looking Glass kvmfr device (QEMU and the client)
    kSharedFile  ///< the Looking Glass /dev/shm file (QEMU and the client)
  };
  Kind kind = Kind::kVfio;
  /// The path as the definition names it; empty for kVfio (the group nodes)
  /// and kUsb (the node follows the device: see `usb`).
  std::string path;
  bool write = true;
  /// The Looking Glass client opens it too, not only QEMU.
  bool client_opens = false;
  /// The definition's entry it comes from (the disk, input or USB index).
  size_t index = 0;
  /// kUsb: which device.
  UsbHostConfig usb;
};

/// A kernel module the VM needs loaded, with its options.
struct ModuleNeed {
  std::string name;                  ///< "kvmfr"
  std::vector<std::string> options;  ///< "static_size_mb=64"
};

/// A PCI function vfio-pci must own while the VM runs.
struct BindingNeed {
  std::string address;  ///< normalised "dddd:bb:dd.f"
  /// True: every function of the card goes with it (resolved from the host's
  /// cards by setup, or listed already when planned from a launch plan).
  bool whole_card = false;
  /// True: only while the VM runs (GPU handover at start and stop), not from boot.
  bool at_start = false;
  /// Function 0 of the card it goes with (the handover moves cards whole).
  std::string card;
};

/// Which need a host file or command meets; setup tags what it writes with
/// it and readiness checks look their fix up by it.
enum class NeedKind {
  kOther,
  kDeviceAccess,  ///< vfio group nodes, raw disks, USB devices (a udev rule)
  kKvmfrAccess,   ///< the kvmfr device (a udev rule)
  kKvmfrModule,   ///< kvmfr loaded with its size
  kSharedFile,    ///< the Looking Glass /dev/shm file (tmpfiles)
  kMemlock,       ///< the locked-memory limit
};

/// Something QEMU must have been built with.
enum class QemuAbility { kAudioPipewire, kAudioPulse, kSpice, kQxl, kIvshmem, kUsbHost };

/// Everything one VM needs from the host.
struct HostNeeds {
  std::string vm;
  std::vector<DeviceNodeNeed> nodes;
  std::vector<ModuleNeed> modules;
  std::vector<BindingNeed> bindings;
  LockedMemoryNeed memlock;
  /// Huge pages of this size backing the RAM, and how many; kNone: none.
  HugePages hugepage_size = HugePages::kNone;
  uint64_t hugepages = 0;
  /// Looking Glass shared memory in bytes (0 without it), and its path.
  uint64_t looking_glass_bytes = 0;
  std::string looking_glass_path;
  /// The same size in whole MiB, as kvmfr's static_size_mb takes it.
  [[nodiscard]] uint64_t looking_glass_mib() const {
    return (looking_glass_bytes + kMiB - 1) / kMiB;
  }
  std::vector<QemuAbility> qemu;
  /// Files the user must provide before a start (disk images, kernel, ROMs).
  std::vector<std::string> files;
  /// A TPM: swtpm runs beside QEMU.
  bool swtpm = false;

  /// The nodes of one kind, in definition order.
  [[nodiscard]] std::vector<const DeviceNodeNeed*> nodes_of(DeviceNodeNeed::Kind kind) const;
  [[nodiscard]] bool needs(QemuAbility ability) const;
};

/// The needs from the definition alone (`vfg setup`, `vfg check`).
HostNeeds host_needs(const VmConfig& config);

/// The needs of a planned start: bindings are the plan's resolved functions
/// and the audio ability is the backend the plan chose.
HostNeeds host_needs(const VmConfig& config, const LaunchPlan& plan);

}  // namespace vfg
