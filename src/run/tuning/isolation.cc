#include "run/tuning/isolation.h"

#include <thread>

#include <fmt/format.h>

#include "host/cpu_topology.h"
#include "host/process_tasks.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {

namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// The top-level units every other process lives in under systemd.
constexpr std::string_view kHostUnits[] = {"system.slice", "user.slice", "init.scope"};

// systemd answers StartTransientUnit once the job is queued; the move itself
// follows a moment later.
constexpr auto kMoveDeadline = 5s;
constexpr auto kMovePoll = 10ms;

std::vector<std::string> set_cpus(std::string_view unit, std::string_view cpus) {
  return {"systemctl", "--no-ask-password", "set-property",
          "--runtime", std::string(unit),   fmt::format("AllowedCPUs={}", cpus)};
}

Result<std::string> run(const std::vector<std::string>& argv) {
  auto done = run_command(argv, 30s);
  if (!done) return tl::unexpected(done.error());
  if (!done->status.success()) {
    std::string err(trim(done->err));
    return fail(
        "`{}` {}{}{} (cpu.isolate needs root or a polkit rule that lets you manage "
        "systemd units)",
        join(argv, " "), done->status.describe(), err.empty() ? "" : ": ", err);
  }
  return std::string(trim(done->out));
}

// QEMU's cgroup once it is in `scope`; whatever it is at the deadline otherwise
// (empty when the kernel shows no cgroup2 path, which leaves nothing to check).
std::string await_scope(pid_t qemu_pid, const std::string& scope) {
  HostRoot live;
  auto deadline = std::chrono::steady_clock::now() + kMoveDeadline;
  while (true) {
    std::string group = cgroup_path(live, qemu_pid).value_or("");
    bool moved = group.size() > scope.size() && group.ends_with("/" + scope);
    if (moved || group.empty() || std::chrono::steady_clock::now() > deadline) return group;
    std::this_thread::sleep_for(kMovePoll);
  }
}

}  // namespace

// Every key is required: restoring a unit needs both its name and its old value.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IsolatedUnit, unit, previous)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AppliedIsolation, units)

Json AppliedIsolation::to_json() const { return *this; }

Result<AppliedIsolation> AppliedIsolation::from_json(const Json& doc) {
  if (!doc.is_object() || !doc.contains("units") || !doc["units"].is_array())
    return fail("no list of isolated units");
  try {
    return doc.get<AppliedIsolation>();
  } catch (const Json::exception&) {
    return fail("an isolated unit without its name or previous AllowedCPUs=");
  }
}

IsolationPlan plan_isolation(const std::string& vm_name, const std::vector<int>& host_cpus) {
  IsolationPlan plan;
  plan.scope = fmt::format("vfg-{}.scope", vm_name);
  // StartTransientUnit with PIDs= moves a running process into a new scope
  // (what systemd-run --scope does for a process it starts itself).
  plan.move_qemu = {"busctl",
                    "call",
                    "--quiet",
                    "org.freedesktop.systemd1",
                    "/org/freedesktop/systemd1",
                    "org.freedesktop.systemd1.Manager",
                    "StartTransientUnit",
                    "ssa(sv)a(sa(sv))",
                    plan.scope,
                    "fail",
                    "2",
                    "Slice",
                    "s",
                    "machine.slice",
                    "PIDs",
                    "au",
                    "1"};
  for (std::string_view unit : kHostUnits) {
    plan.units.emplace_back(unit);
    plan.read_host.push_back(
        {"systemctl", "show", "--property=AllowedCPUs", "--value", std::string(unit)});
    plan.restrict_host.push_back(set_cpus(unit, format_cpu_list(host_cpus)));
  }
  return plan;
}

std::vector<std::vector<std::string>> restore_commands(const AppliedIsolation& applied) {
  std::vector<std::vector<std::string>> commands;
  for (auto it = applied.units.rbegin(); it != applied.units.rend(); ++it)
    commands.push_back(set_cpus(it->unit, it->previous));
  return commands;
}

Result<AppliedIsolation> apply_isolation(const IsolationPlan& plan, pid_t qemu_pid) {
  std::vector<std::string> move = plan.move_qemu;
  move.push_back(std::to_string(qemu_pid));
  move.emplace_back("0");  // no auxiliary units
  // Nothing undoes the move: a failed start kills QEMU, and systemd drops
  // the scope once it is empty.
  if (auto moved = run(move); !moved) return tl::unexpected(moved.error());
  std::string group = await_scope(qemu_pid, plan.scope);
  for (const auto& unit : plan.units) {
    if (group.rfind("/" + unit, 0) == 0) {
      return fail(
          "QEMU still runs in {} ({}), which cpu.isolate would confine to the host's cores; "
          "it would then be refused the vCPUs' CPUs",
          unit, group);
    }
  }
  // All read before any is changed: what is read afterwards could be ours.
  AppliedIsolation before;
  for (size_t i = 0; i < plan.units.size(); ++i) {
    auto cpus = run(plan.read_host[i]);
    if (!cpus) return tl::unexpected(cpus.error());
    before.units.push_back({plan.units[i], *cpus});
  }
  AppliedIsolation applied;
  for (size_t i = 0; i < plan.restrict_host.size(); ++i) {
    if (auto done = run(plan.restrict_host[i]); !done) {
      (void)restore_isolation(applied);
      return tl::unexpected(done.error());
    }
    applied.units.push_back(before.units[i]);
  }
  return applied;
}

Status restore_isolation(const AppliedIsolation& applied) {
  Status first = ok();
  for (const auto& command : restore_commands(applied)) {
    auto done = run(command);
    if (!done && first) first = tl::unexpected(done.error());
  }
  return first;
}

}  // namespace vfg
