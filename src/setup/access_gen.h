// Rootless access: udev rules for the device nodes QEMU opens, the Looking
// Glass shared-memory file, and the locked-memory limit VFIO needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "setup/request.h"

namespace vfg {

/// /etc/udev/rules.d/99-vfg-passthrough.rules: /dev/vfio/*, raw disks, USB devices.
/// Numbered after 60-persistent-storage.rules, which sets the ID_* properties matched here.
std::string passthrough_udev_rules(const SetupRequest& request);

/// /etc/udev/rules.d/70-vfg-kvmfr.rules: numbered before 73-seat-late.rules so uaccess applies.
std::string kvmfr_udev_rules(const SetupRequest& request);

/// /etc/tmpfiles.d/10-vfg-looking-glass.conf for VMs using a /dev/shm file.
std::string looking_glass_tmpfiles(const SetupRequest& request);

/// The largest locked-memory need of the VMs (VmConfig::locked_memory_need);
/// zero bytes when none needs more than the kernel's default.
struct MemlockNeed {
  LockedMemoryNeed locked;
  std::string vm;  ///< the VM that sets it

  [[nodiscard]] uint64_t bytes() const { return locked.bytes; }
};
MemlockNeed memlock_need(const std::vector<SetupVm>& vms);

/// /etc/security/limits.d/95-vfg-memlock.conf (KiB, or unlimited).
std::string memlock_limits_conf(const std::string& user, const MemlockNeed& need, bool unlimited);

/// A drop-in for the user's systemd manager (bytes, or infinity).
std::string memlock_systemd_dropin(const MemlockNeed& need, bool unlimited);

/// Pages to reserve per hugepage size: the largest VM backed by that size.
struct HugePageReservation {
  uint64_t pages_1g = 0;
  uint64_t pages_2m = 0;
};
HugePageReservation hugepage_reservation(const std::vector<SetupVm>& vms);

}  // namespace vfg
