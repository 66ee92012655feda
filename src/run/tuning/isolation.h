// Optional host isolation while a VM runs (cpu.isolate = true): QEMU moves
// into a scope of its own under machine.slice, then the rest of the system
// (system.slice, user.slice, init.scope) is confined to the host's cores with
// `systemctl set-property --runtime`. At stop each unit gets back the
// AllowedCPUs= it had before (unset stays unset), read just before the change
// and recorded, so that a run whose supervisor was killed can be undone too.
// QEMU's own slice is never restricted: the kernel would then refuse (EINVAL)
// to pin vCPUs onto the CPUs taken away. Needs root or a polkit rule for systemd.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "util/result.h"

namespace vfg {

/// The commands, as argv vectors, in the order they run.
struct IsolationPlan {
  /// The scope QEMU moves into ("vfg-NAME.scope").
  std::string scope;
  /// Moves QEMU (its pid appended at run time) into `scope`.
  std::vector<std::string> move_qemu;
  /// The units restricted (QEMU's cgroup must lie outside all of them).
  std::vector<std::string> units;
  /// Per unit: prints its AllowedCPUs= now (empty when unset).
  std::vector<std::vector<std::string>> read_host;
  /// Per unit: confines it to the host's CPUs.
  std::vector<std::vector<std::string>> restrict_host;
};

/// One restricted unit and the AllowedCPUs= it had before ("" = unset).
struct IsolatedUnit {
  std::string unit;
  std::string previous;
};

/// What apply_isolation changed, in the order it changed it; restoring it
/// needs nothing else (tuning.json keeps it for a crashed run).
struct AppliedIsolation {
  std::vector<IsolatedUnit> units;

  [[nodiscard]] nlohmann::json to_json() const;
  static Result<AppliedIsolation> from_json(const nlohmann::json& doc);
};

/// Pure: the plan for VM `vm_name` keeping the host on `host_cpus`.
IsolationPlan plan_isolation(const std::string& vm_name, const std::vector<int>& host_cpus);

/// Pure: the commands that give each unit of `applied` its previous
/// AllowedCPUs= back (an empty assignment unsets it), last changed first.
std::vector<std::vector<std::string>> restore_commands(const AppliedIsolation& applied);

/// Runs move_qemu for `qemu_pid`, waits until QEMU is in the scope and checks
/// that it lies outside every restricted unit, reads each unit's AllowedCPUs=,
/// then runs restrict_host. On failure it undoes what it changed and the error
/// names the refused command and systemd's answer.
Result<AppliedIsolation> apply_isolation(const IsolationPlan& plan, pid_t qemu_pid);

/// Runs restore_commands; every command is tried, the first failure is returned.
Status restore_isolation(const AppliedIsolation& applied);

}  // namespace vfg
