// Turning what the host has and what the user named (VM definitions, GPUs) into
// the planner's inputs. This is the only part of setup that reads the host;
// it uses discovery (PCI, IOMMU groups, GPU cards, system state) and the boot
// chain detection, and reads the current files through the FileWriter.
#pragma once

#include <string>
#include <vector>

#include "host/host_reading.h"
#include "setup/file_writer.h"
#include "setup/plan.h"
#include "setup/request.h"
#include "util/result.h"
#include "vm/vm_config.h"

namespace vfg {

/// What the user asked for on the command line.
struct SetupArgs {
  std::vector<VmConfig> vms;      ///< loaded definitions
  std::vector<std::string> gpus;  ///< --gpu addresses (any function of the card)
  std::string user;               ///< who runs VMs; empty: SUDO_USER, else the caller
  std::string group = "kvm";
  MsrPolicy msrs = MsrPolicy::kIgnore;
  bool memlock_unlimited = false;
  /// This vfg's own path (for the handover service); empty: /proc/self/exe.
  std::string vfg_binary;
};

struct SetupInputs {
  SetupFacts facts;
  SetupRequest request;
  /// Problems found while gathering that the plan should show (unstable disk names...).
  std::vector<std::string> warnings;
};

/// Reads the host and resolves the request. Fails when a named GPU does not exist.
Result<SetupInputs> gather_setup_inputs(const HostReading& host, FileWriter& files,
                                        const SetupArgs& args);

/// Reads the host and plans in one step: the answer to "what would `vfg setup`
/// change here?" for readiness checks (see HostPlan::targets) and the CLI.
/// The gathering warnings are put first in the plan's warnings.
Result<HostPlan> plan_host_setup(const HostReading& host, const SetupArgs& args);

/// Setup's view of a VM's needs: its raw disks and USB devices as udev matches
/// them. Block devices named by kernel name (not by-id / by-partuuid) get no
/// rule and a warning in `warnings`.
SetupVm setup_vm_from_needs(HostNeeds needs, std::vector<std::string>* warnings);

/// The udev property that identifies a stable disk path:
/// /dev/disk/by-partuuid/X → ID_PART_ENTRY_UUID, /dev/disk/by-id/nvme-X → ID_SERIAL.
std::optional<SetupDisk> disk_from_path(const std::string& path);

}  // namespace vfg
