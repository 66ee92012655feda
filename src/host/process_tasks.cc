#include "host/process_tasks.h"

#include <algorithm>

#include "host/cpu_topology.h"
#include "util/strings.h"

namespace vfg {

std::vector<pid_t> list_tasks(const HostRoot& root, pid_t pid) {
  std::vector<pid_t> tids;
  for (const auto& entry : root.list_dir("/proc/" + std::to_string(pid) + "/task"))
    if (auto tid = parse_uint(entry)) tids.push_back(static_cast<pid_t>(*tid));
  std::sort(tids.begin(), tids.end());
  return tids;
}

std::optional<std::vector<int>> parse_cpus_allowed(std::string_view status) {
  for (const auto& line : split(status, '\n')) {
    constexpr std::string_view kKey = "Cpus_allowed_list:";
    if (line.rfind(kKey, 0) == 0) return parse_cpu_list(trim(line.substr(kKey.size())));
  }
  return std::nullopt;
}

std::optional<TaskInfo> read_task(const HostRoot& root, pid_t pid, pid_t tid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid);
  auto status = root.read_attr(dir + "/status");
  if (!status) return std::nullopt;
  TaskInfo task;
  task.tid = tid;
  task.name = root.read_attr(dir + "/comm").value_or("");
  task.cpus_allowed = parse_cpus_allowed(*status);
  return task;
}

std::optional<std::string> cgroup_path(const HostRoot& root, pid_t pid) {
  auto text = root.read_attr("/proc/" + std::to_string(pid) + "/cgroup");
  if (!text) return std::nullopt;
  for (const auto& line : split(*text, '\n'))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return std::nullopt;
}

std::optional<std::vector<int>> cgroup_cpus(const HostRoot& root, pid_t pid) {
  auto path = cgroup_path(root, pid);
  if (!path) return std::nullopt;
  std::string dir = join_host_path("/sys/fs/cgroup", *path);
  if (dir.back() == '/') dir.pop_back();
  // The effective set honours every ancestor's restriction.
  auto cpus = root.read_attr(dir + "/cpuset.cpus.effective");
  if (!cpus || trim(*cpus).empty()) return std::nullopt;
  return parse_cpu_list(*cpus);
}

}  // namespace vfg
