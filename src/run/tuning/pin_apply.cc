#include "run/tuning/pin_apply.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>
#include <sched.h>

#include "host/cpu_topology.h"
#include "host/process_tasks.h"
#include "util/strings.h"

namespace vfg {

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kQueryTimeout = 5s;

std::string describe_thread(const PinnedThread& thread) {
  if (thread.role == "vcpu") return fmt::format("vCPU {} (thread {})", thread.vcpu, thread.tid);
  if (thread.role == "iothread")
    return fmt::format("I/O thread '{}' (thread {})", thread.name, thread.tid);
  return fmt::format("emulator thread '{}' (thread {})", thread.name, thread.tid);
}

// Why sched_setaffinity refused, and what to do about it.
std::string affinity_error(int error, const PinnedThread& thread, const HostRoot& root,
                           pid_t qemu_pid) {
  std::string cpus = format_cpu_list(thread.cpus);
  if (error == EINVAL) {
    auto allowed = cgroup_cpus(root, qemu_pid);
    auto group = cgroup_path(root, qemu_pid);
    std::string where = allowed ? fmt::format("QEMU's cgroup {} allows only CPUs {}",
                                              group.value_or("?"), format_cpu_list(*allowed))
                                : std::string("a cgroup cpuset does not allow them");
    return fmt::format(
        "cannot pin {} to CPU {}: {} (sched_setaffinity: EINVAL); allow those CPUs for the "
        "slice vfg runs in, e.g. `systemctl set-property --runtime user.slice AllowedCPUs=` "
        "with every CPU listed, or pin within the allowed CPUs",
        describe_thread(thread), cpus, where);
  }
  if (error == EPERM) {
    return fmt::format(
        "cannot pin {} to CPU {}: not permitted (QEMU runs as another user; vfg needs to run "
        "as QEMU's user or with CAP_SYS_NICE)",
        describe_thread(thread), cpus);
  }
  return fmt::format("cannot pin {} to CPU {}: {}", describe_thread(thread), cpus,
                     std::strerror(error));
}

int set_affinity(pid_t tid, const std::vector<int>& cpus) {
  int highest = cpus.empty() ? 0 : *std::max_element(cpus.begin(), cpus.end());
  size_t count = static_cast<size_t>(highest) + 1;
  cpu_set_t* set = CPU_ALLOC(count);
  if (set == nullptr) return ENOMEM;
  size_t size = CPU_ALLOC_SIZE(count);
  CPU_ZERO_S(size, set);
  for (int cpu : cpus) CPU_SET_S(static_cast<size_t>(cpu), size, set);
  int result = ::sched_setaffinity(tid, size, set) == 0 ? 0 : errno;
  CPU_FREE(set);
  return result;
}

}  // namespace

Result<std::vector<pid_t>> vcpu_threads(const Json& reply) {
  if (!reply.is_array()) return fail("query-cpus-fast returned no list");
  std::map<int, pid_t> by_index;
  for (const auto& cpu : reply) {
    if (!cpu.is_object() || !cpu.contains("thread-id") || !cpu.contains("cpu-index") ||
        !cpu["thread-id"].is_number_integer() || !cpu["cpu-index"].is_number_integer())
      return fail("query-cpus-fast returned an entry without an integer thread-id or cpu-index");
    by_index[cpu["cpu-index"].get<int>()] = cpu["thread-id"].get<pid_t>();
  }
  std::vector<pid_t> tids;
  for (const auto& [index, tid] : by_index) tids.push_back(tid);
  std::set<pid_t> distinct(tids.begin(), tids.end());
  if (distinct.size() != tids.size()) {
    return fail(
        "the {} vCPUs share {} host thread(s) (single-threaded TCG), so they cannot be pinned "
        "one by one; run with KVM or -accel tcg,thread=multi, or set cpu.pin = \"off\"",
        tids.size(), distinct.size());
  }
  return tids;
}

Result<std::vector<std::pair<std::string, pid_t>>> iothreads(const Json& reply) {
  if (!reply.is_array()) return fail("query-iothreads returned no list");
  std::vector<std::pair<std::string, pid_t>> threads;
  for (const auto& thread : reply) {
    if (!thread.is_object() || !thread.contains("thread-id") ||
        !thread["thread-id"].is_number_integer())
      return fail("query-iothreads returned an entry without an integer thread-id");
    threads.emplace_back(thread.value("id", ""), thread["thread-id"].get<pid_t>());
  }
  return threads;
}

Result<AppliedPinning> apply_pin_plan(QmpClient& qmp, pid_t qemu_pid, const PinPlan& plan,
                                      const HostRoot& root) {
  AppliedPinning applied;
  applied.qemu_pid = qemu_pid;
  if (!plan.enabled) return applied;
  auto cpus_reply = qmp.execute("query-cpus-fast", Json::object(), kQueryTimeout);
  if (!cpus_reply) return tl::unexpected(cpus_reply.error());
  auto vcpus = vcpu_threads(*cpus_reply);
  if (!vcpus) return tl::unexpected(vcpus.error());
  if (vcpus->size() != plan.vcpu_cpus.size()) {
    return fail("QEMU has {} vCPUs but the plan pins {}", vcpus->size(), plan.vcpu_cpus.size());
  }
  auto io_reply = qmp.execute("query-iothreads", Json::object(), kQueryTimeout);
  if (!io_reply) return tl::unexpected(io_reply.error());
  auto io = iothreads(*io_reply);
  if (!io) return tl::unexpected(io.error());

  std::set<pid_t> special(vcpus->begin(), vcpus->end());
  for (const auto& [id, tid] : *io) special.insert(tid);
  // Emulator threads first: a thread QEMU creates later inherits its
  // creator's affinity, and the creator is almost always the main loop.
  for (pid_t tid : list_tasks(root, qemu_pid)) {
    if (special.contains(tid)) continue;
    PinnedThread thread{tid, "emulator", -1, "", plan.emulator_cpus};
    if (auto task = read_task(root, qemu_pid, tid)) thread.name = task->name;
    applied.threads.push_back(std::move(thread));
  }
  for (size_t i = 0; i < vcpus->size(); ++i) {
    applied.threads.push_back(
        PinnedThread{(*vcpus)[i], "vcpu", static_cast<int>(i), "", {plan.vcpu_cpus[i]}});
  }
  for (const auto& [id, tid] : *io)
    applied.threads.push_back(PinnedThread{tid, "iothread", -1, id, plan.iothread_cpus});

  for (auto& thread : applied.threads) {
    int error = set_affinity(thread.tid, thread.cpus);
    // A helper thread may end between listing and pinning; that is no failure.
    if (error == ESRCH && thread.role == "emulator") continue;
    if (error != 0) return fail("{}", affinity_error(error, thread, root, qemu_pid));
  }

  // Trust nothing: read every affinity back, including threads that appeared meanwhile.
  std::map<pid_t, const PinnedThread*> expected;
  for (const auto& thread : applied.threads) expected[thread.tid] = &thread;
  std::vector<PinnedThread> confirmed;
  for (pid_t tid : list_tasks(root, qemu_pid)) {
    auto task = read_task(root, qemu_pid, tid);
    if (!task) continue;  // ended meanwhile
    PinnedThread thread;
    if (auto found = expected.find(tid); found != expected.end()) {
      thread = *found->second;
    } else {
      thread = PinnedThread{tid, "emulator", -1, task->name, plan.emulator_cpus};
    }
    if (thread.name.empty() || thread.role == "vcpu") thread.name = task->name;
    if (!task->cpus_allowed) {
      return fail("cannot confirm the affinity of {}: no Cpus_allowed_list in /proc",
                  describe_thread(thread));
    }
    if (*task->cpus_allowed != thread.cpus) {
      return fail("{} should run on CPU {} but /proc says CPU {}; the pinning did not hold",
                  describe_thread(thread), format_cpu_list(thread.cpus),
                  format_cpu_list(*task->cpus_allowed));
    }
    confirmed.push_back(std::move(thread));
  }
  for (pid_t tid : *vcpus) {
    if (!expected.contains(tid) || std::none_of(confirmed.begin(), confirmed.end(),
                                                [&](const auto& t) { return t.tid == tid; }))
      return fail("vCPU thread {} is missing from /proc/{}/task", tid, qemu_pid);
  }
  applied.threads = std::move(confirmed);
  return applied;
}

Json AppliedPinning::to_json() const {
  Json threads_json = Json::array();
  for (const auto& thread : threads) {
    Json item = {{"tid", thread.tid},
                 {"role", thread.role},
                 {"name", thread.name},
                 {"cpus", format_cpu_list(thread.cpus)}};
    if (thread.vcpu >= 0) item["vcpu"] = thread.vcpu;
    threads_json.push_back(std::move(item));
  }
  return Json{{"qemu_pid", qemu_pid}, {"threads", threads_json}};
}

AppliedPinning AppliedPinning::from_json(const Json& doc) {
  AppliedPinning applied;
  if (!doc.is_object()) return applied;
  applied.qemu_pid = doc.value("qemu_pid", 0);
  for (const auto& item : doc.value("threads", Json::array())) {
    if (!item.is_object()) continue;
    PinnedThread thread;
    thread.tid = item.value("tid", 0);
    thread.role = item.value("role", "");
    thread.vcpu = item.value("vcpu", -1);
    thread.name = item.value("name", "");
    thread.cpus = parse_cpu_list(item.value("cpus", "")).value_or(std::vector<int>{});
    applied.threads.push_back(std::move(thread));
  }
  return applied;
}

std::vector<std::string> describe_applied(const AppliedPinning& applied) {
  std::vector<std::string> lines;
  std::vector<std::string> emulator;
  for (const auto& thread : applied.threads) {
    if (thread.role == "emulator") {
      emulator.push_back(fmt::format("{}:{}", thread.tid, format_cpu_list(thread.cpus)));
      continue;
    }
    lines.push_back(
        fmt::format("{} → CPU {}", describe_thread(thread), format_cpu_list(thread.cpus)));
  }
  if (!emulator.empty()) {
    // One line: QEMU has a dozen helper threads, all on the same CPUs.
    std::set<std::string> sets;
    for (const auto& thread : applied.threads)
      if (thread.role == "emulator") sets.insert(format_cpu_list(thread.cpus));
    lines.push_back(fmt::format("{} emulator threads → CPU {}", emulator.size(),
                                join(std::vector<std::string>(sets.begin(), sets.end()), " / ")));
  }
  return lines;
}

}  // namespace vfg
