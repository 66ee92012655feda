// The threads of a process as /proc shows them: their ids, names and the CPUs
// each may run on, plus the CPUs its cgroup allows. Read through HostRoot so
// the readers are tested on fixture trees as well as on real QEMU.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "host/host_root.h"

namespace vfg {

/// One thread of a process.
struct TaskInfo {
  pid_t tid = 0;
  /// /proc/PID/task/TID/comm: "qemu-system-x86", "CPU 0/KVM", "IO io0", ...
  std::string name;
  /// Cpus_allowed_list from /proc/PID/task/TID/status; nullopt when unreadable.
  std::optional<std::vector<int>> cpus_allowed;
};

/// Thread ids of `pid` (/proc/PID/task), sorted; empty when it does not exist.
std::vector<pid_t> list_tasks(const HostRoot& root, pid_t pid);

/// One thread's name and affinity; nullopt when it does not exist (any more).
std::optional<TaskInfo> read_task(const HostRoot& root, pid_t pid, pid_t tid);

/// Parses the Cpus_allowed_list line of a /proc status file.
std::optional<std::vector<int>> parse_cpus_allowed(std::string_view status);

/// The CPUs the cgroup of `pid` may use (cgroup v2 cpuset.cpus.effective of
/// the cgroup named in /proc/PID/cgroup); nullopt when not known.
std::optional<std::vector<int>> cgroup_cpus(const HostRoot& root, pid_t pid);

/// The cgroup v2 path of `pid` ("/user.slice/user-1000.slice/..."); nullopt without one.
std::optional<std::string> cgroup_path(const HostRoot& root, pid_t pid);

}  // namespace vfg
