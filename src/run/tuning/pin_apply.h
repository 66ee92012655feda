// Applying a pinning plan to a QEMU that is still paused: vCPU thread ids from
// QMP, I/O threads from QMP, everything else in /proc/PID/task is the
// emulator; sched_setaffinity on each, then every affinity read back from
// /proc before the guest may run.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "host/host_root.h"
#include "run/qmp_client.h"
#include "run/tuning/pin_plan.h"
#include "util/result.h"

namespace vfg {

/// One thread as pinned and confirmed.
struct PinnedThread {
  pid_t tid = 0;
  /// "vcpu", "iothread" or "emulator".
  std::string role;
  /// vCPU index, or -1.
  int vcpu = -1;
  /// Thread name (comm) or the I/O thread's id.
  std::string name;
  /// Cpus_allowed_list as read back from /proc.
  std::vector<int> cpus;
};

/// What was applied to one QEMU.
struct AppliedPinning {
  pid_t qemu_pid = 0;
  std::vector<PinnedThread> threads;

  [[nodiscard]] nlohmann::json to_json() const;
  static AppliedPinning from_json(const nlohmann::json& doc);
};

/// The vCPU threads QMP names, in cpu-index order: the top-level `thread-id`
/// of query-cpus-fast (props.thread-id is the SMT index, not a host TID).
/// Fails when threads are shared (single-threaded TCG), since one thread
/// cannot sit on several vCPUs' CPUs.
Result<std::vector<pid_t>> vcpu_threads(const nlohmann::json& query_cpus_fast);

/// I/O threads from query-iothreads: id → host TID.
Result<std::vector<std::pair<std::string, pid_t>>> iothreads(const nlohmann::json& query_iothreads);

/// Sets the affinity of every thread of `qemu_pid` and confirms it through
/// /proc (read via `root`). Emulator threads first, so helpers QEMU spawns
/// later inherit the emulator set.
Result<AppliedPinning> apply_pin_plan(QmpClient& qmp, pid_t qemu_pid, const PinPlan& plan,
                                      const HostRoot& root);

/// Human lines for an applied pinning ("vCPU 0 (tid 1234) → CPU 4").
std::vector<std::string> describe_applied(const AppliedPinning& applied);

}  // namespace vfg
