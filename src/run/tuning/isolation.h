// Optional host isolation while a VM runs (cpu.isolate = true): QEMU moves
// into a scope of its own under machine.slice, then the rest of the system
// (system.slice, user.slice, init.scope) is confined to the host's cores with
// `systemctl set-property --runtime`, and given every CPU back at stop. QEMU's
// own slice is never restricted: the kernel would then refuse (EINVAL) to pin
// vCPUs onto the CPUs taken away. Needs root or a polkit rule for systemd.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

#include "util/result.h"

namespace vfg {

/// The commands, as argv vectors, in the order they run.
struct IsolationPlan {
  /// Moves QEMU (its pid appended at run time) into "vfg-NAME.scope".
  std::vector<std::string> move_qemu;
  std::vector<std::vector<std::string>> restrict_host;
  std::vector<std::vector<std::string>> restore_host;
  /// The units restricted (QEMU's cgroup must lie outside all of them).
  std::vector<std::string> units;
};

/// Pure: the plan for VM `vm_name` keeping the host on `host_cpus`, giving
/// `online_cpus` back at stop.
IsolationPlan plan_isolation(const std::string& vm_name, const std::vector<int>& host_cpus,
                             const std::vector<int>& online_cpus);

/// Runs move_qemu for `qemu_pid`, checks that QEMU's cgroup is outside every
/// restricted unit, then runs restrict_host. Undoes what ran on failure.
Status apply_isolation(const IsolationPlan& plan, pid_t qemu_pid);

/// Runs restore_host; every command is tried, the first failure is returned.
Status restore_isolation(const IsolationPlan& plan);

}  // namespace vfg
