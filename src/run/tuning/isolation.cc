#include "run/tuning/isolation.h"

#include <fmt/format.h>

#include "host/cpu_topology.h"
#include "host/process_tasks.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {

namespace {

using namespace std::chrono_literals;

// The top-level units every other process lives in under systemd.
constexpr std::string_view kHostUnits[] = {"system.slice", "user.slice", "init.scope"};

std::vector<std::string> set_cpus(std::string_view unit, const std::vector<int>& cpus) {
  return {"systemctl", "--no-ask-password", "set-property",
          "--runtime", std::string(unit),   "AllowedCPUs=" + format_cpu_list(cpus)};
}

Status run(const std::vector<std::string>& argv) {
  auto done = run_command(argv, 30s);
  if (!done) return tl::unexpected(done.error());
  if (!done->status.success()) {
    std::string err(trim(done->err));
    return fail(
        "`{}` {}{}{} (cpu.isolate needs root or a polkit rule that lets you manage "
        "systemd units)",
        join(argv, " "), done->status.describe(), err.empty() ? "" : ": ", err);
  }
  return ok();
}

}  // namespace

IsolationPlan plan_isolation(const std::string& vm_name, const std::vector<int>& host_cpus,
                             const std::vector<int>& online_cpus) {
  IsolationPlan plan;
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
                    fmt::format("vfg-{}.scope", vm_name),
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
    plan.restrict_host.push_back(set_cpus(unit, host_cpus));
    plan.restore_host.push_back(set_cpus(unit, online_cpus));
  }
  return plan;
}

Status apply_isolation(const IsolationPlan& plan, pid_t qemu_pid) {
  std::vector<std::string> move = plan.move_qemu;
  move.push_back(std::to_string(qemu_pid));
  move.emplace_back("0");  // no auxiliary units
  if (auto moved = run(move); !moved) return moved;
  HostRoot live;
  std::string group = cgroup_path(live, qemu_pid).value_or("");
  for (const auto& unit : plan.units) {
    if (group.rfind("/" + unit, 0) == 0) {
      return fail(
          "QEMU still runs in {} ({}), which cpu.isolate would confine to the host's cores; "
          "it would then be refused the vCPUs' CPUs",
          unit, group);
    }
  }
  for (size_t i = 0; i < plan.restrict_host.size(); ++i) {
    if (auto done = run(plan.restrict_host[i]); !done) {
      for (size_t j = 0; j < i; ++j) (void)run(plan.restore_host[j]);
      return done;
    }
  }
  return ok();
}

Status restore_isolation(const IsolationPlan& plan) {
  Status first = ok();
  for (const auto& command : plan.restore_host) {
    auto done = run(command);
    if (!done && first) first = done;
  }
  return first;
}

}  // namespace vfg
