// Readiness checks for one VM's resources: the accelerator it will get, locked
// memory, hugepages, Looking Glass shared memory, its sound server, disks and
// input devices. Pure functions of the VM definition and the gathered facts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "check/facts.h"
#include "check/finding.h"
#include "check/single_gpu_check.h"
#include "host/usb.h"
#include "vm/vm_config.h"

namespace vfg::check {

/// The host nodes and numbers one VM depends on, gathered before judging.
struct VmResourceFacts {
  /// /dev/kvmfr0 or the /dev/shm file, when Looking Glass is enabled.
  NodeInfo looking_glass_node;
  /// One per VmConfig::disks entry, in order (stat through the host root for /dev paths).
  std::vector<NodeInfo> disks;
  /// One per VmConfig::inputs entry.
  std::vector<NodeInfo> inputs;
  /// Per VmConfig::usb entry: the devices plugged in that match it now (by
  /// port at most one, by vendor:product possibly several), each with its node.
  std::vector<std::vector<std::pair<UsbDevice, NodeInfo>>> usb;
  /// An explicit audio server socket (AudioConfig::server), probed like the session's.
  std::optional<AudioSocket> audio_server;
  SingleGpuFacts single_gpu;
};

/// A node QEMU cannot open: the fix is setup's udev rule for device access
/// (a warning when that rule is written already), else `manual`.
Finding device_access_failure(const std::string& id, const std::string& title, const NodeInfo& node,
                              const SystemState& state, const SetupExpectations& setup,
                              const std::string& what, const std::string& manual);

/// "vm.accel": KVM when it can run guests, else TCG named (a failure when the
/// definition insists on KVM).
Finding check_vm_accel(const VmConfig& config, const SystemState& state);

/// "vm.memlock": this process's limit (what QEMU inherits) and the systemd user manager's.
std::vector<Finding> check_vm_memlock(const VmConfig& config, const SystemState& state,
                                      const SetupExpectations& setup);

/// "vm.hugepages": free pages of the requested size cover the RAM.
std::vector<Finding> check_vm_hugepages(const VmConfig& config, const SystemState& state);

/// "vm.looking_glass": /dev/kvmfr0 is a character device the user can use, or
/// the /dev/shm file has the right owner, mode and size.
std::vector<Finding> check_vm_looking_glass(const VmConfig& config, const SystemState& state,
                                            const VmResourceFacts& facts,
                                            const SetupExpectations& setup);

/// "vm.disk.N": block devices exist and are readable/writable; image files exist.
std::vector<Finding> check_vm_disks(const VmConfig& config, const SystemState& state,
                                    const VmResourceFacts& facts, const SetupExpectations& setup);

/// "vm.input.N": evdev nodes exist and are readable by the user.
std::vector<Finding> check_vm_inputs(const VmConfig& config, const SystemState& state,
                                     const VmResourceFacts& facts);

/// "vm.usb.N": the device is plugged in and its /dev/bus/usb node is readable
/// and writable by the user.
std::vector<Finding> check_vm_usb(const VmConfig& config, const SystemState& state,
                                  const VmResourceFacts& facts, const SetupExpectations& setup);

/// Every resource check in report order.
std::vector<Finding> check_vm_resources(const VmConfig& config, const HostFacts& host,
                                        const VmResourceFacts& facts,
                                        const SetupExpectations& setup);

}  // namespace vfg::check
