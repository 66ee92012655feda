// modprobe.d contents: how vfio-pci gets the passthrough devices before their
// usual drivers, KVM's MSR handling, unsafe interrupts, and kvmfr.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "setup/request.h"

namespace vfg {

/// How vfio-pci is told which devices are its own.
enum class BindMethod {
  /// `options vfio-pci ids=...`: every device with those IDs, so only when no
  /// other device on the host shares one of them.
  kIds,
  /// driver_override per PCI address, set by a modprobe install hook the moment
  /// vfio-pci loads (in the initramfs or later) and before it registers.
  kAddress,
};

struct BindingChoice {
  BindMethod method = BindMethod::kIds;
  std::vector<std::string> ids;  ///< unique "vvvv:dddd" in first-seen order
  std::string reason;            ///< why this method, for the plan's notes
};

/// Picks ids when they are unambiguous, addresses otherwise (identical cards,
/// or a host device that shares an ID with a passed one).
BindingChoice choose_binding(const std::vector<SetupPciFunction>& bind,
                             const std::vector<SetupPciFunction>& host_pci);

/// Drivers that could claim the functions first and so get `softdep X pre: vfio-pci`:
/// chosen by vendor and class, plus whatever is bound now. Sorted.
std::vector<std::string> softdep_drivers(const std::vector<SetupPciFunction>& bind);

/// /etc/modprobe.d/vfg-vfio.conf.
std::string vfio_modprobe_conf(const std::vector<SetupPciFunction>& bind,
                               const BindingChoice& choice, bool allow_unsafe_interrupts);

/// /etc/modprobe.d/vfg-kvm.conf for the ignore policy.
std::string kvm_modprobe_conf();

/// /etc/modprobe.d/vfg-kvmfr.conf: one static device per size, /dev/kvmfr0 first.
std::string kvmfr_modprobe_conf(const std::vector<uint64_t>& sizes_mb,
                                const std::vector<std::string>& vm_names);

/// The modules the initramfs must load first, in order.
std::vector<std::string> vfio_initramfs_modules();

/// Where an earlier `ids=` for vfio-pci can sit besides the kernel command line.
enum class VfioIdsSyntax {
  kModprobeOptions,  ///< a modprobe.d file: `options vfio-pci ... ids=...`
  kModuleList,       ///< /etc/initramfs-tools/modules: `vfio_pci ids=...`, passed to modprobe
};

/// Another file with its vfio-pci `ids=` settings disarmed: the ids= word is removed
/// (a modprobe.d line left with no option goes; a module-list line keeps the module
/// name, so it still loads), and the old line is kept as a comment above. Two ids=
/// settings: the last one read wins, and modprobe reads its arguments after modprobe.d.
std::string without_vfio_ids(std::string_view conf,
                             VfioIdsSyntax syntax = VfioIdsSyntax::kModprobeOptions);

}  // namespace vfg
