#include "run/tuning/pin_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "util/strings.h"
#include "vm/core_split.h"

namespace vfg {

namespace {

using Json = nlohmann::json;

std::string cpus_text(const std::vector<int>& cpus) { return format_cpu_list(cpus); }

std::string plural(size_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

// Where vCPUs may go and where QEMU's own threads run.
struct Split {
  std::vector<const CpuCore*> reserved;    // host cores for QEMU's own threads
  std::vector<const CpuCore*> candidates;  // free for vCPUs
  std::vector<std::string> notes;
  std::string why_reserved;       // for error messages
  std::string_view set_aside_by;  // "isolcpus=", "nohz_full=" or empty
};

Split split_for_vcpus(const CpuTopology& topology, uint32_t host_cores) {
  CoreSplit cores = split_cores(topology, host_cores);
  Split split;
  split.candidates = cores.guest;
  split.notes = cores.notes;
  split.set_aside_by = cores.set_aside_by;
  if (cores.set_aside_by.empty()) {
    split.reserved = cores.host;
    split.why_reserved = cores.host.empty()
                             ? "no cores kept for the host"
                             : fmt::format("{} kept for the host (CPUs {})",
                                           plural(cores.host.size(), "core", "cores"),
                                           cpus_text(threads_of(cores.host)));
  } else {
    // The kernel's set says which cores belong to VMs: vCPUs go there only,
    // and QEMU's own threads to the first `host_cores` of the host's (all of
    // them with host_cores = 0).
    size_t keep = std::min<size_t>(host_cores, cores.host.size());
    split.reserved.assign(cores.host.begin(), cores.host.begin() + static_cast<long>(keep));
    if (split.reserved.empty()) split.reserved = cores.host;
    split.why_reserved = fmt::format("{} leaves CPUs {} to VMs", cores.set_aside_by,
                                     cpus_text(threads_of(cores.guest)));
  }
  return split;
}

int threads_in(const std::vector<const CpuCore*>& cores) {
  size_t fewest = cores.empty() ? 1 : cores.front()->threads.size();
  for (const CpuCore* core : cores) fewest = std::min(fewest, core->threads.size());
  return static_cast<int>(std::max<size_t>(fewest, 1));
}

// Picks `count` cores from `pool`, inside one L3 group when one has room
// (preferring a group the host's cores do not share), else across the
// fewest groups.
std::vector<const CpuCore*> pick_cores(const std::vector<const CpuCore*>& pool, size_t count,
                                       const std::vector<const CpuCore*>& reserved,
                                       int& groups_used) {
  std::map<int, std::vector<const CpuCore*>> groups;
  for (const CpuCore* core : pool) groups[core->l3_group].push_back(core);
  std::map<int, int> host_in_group;
  for (const CpuCore* core : reserved) ++host_in_group[core->l3_group];
  const std::vector<const CpuCore*>* best = nullptr;
  int best_key = 0;
  for (const auto& [group, cores] : groups) {
    if (cores.size() < count) continue;
    int key = host_in_group[group];
    if (best == nullptr || key < best_key) {
      best = &cores;
      best_key = key;
    }
  }
  groups_used = 1;
  if (best != nullptr) return {best->begin(), best->begin() + static_cast<long>(count)};
  std::vector<const std::vector<const CpuCore*>*> order;
  for (const auto& [group, cores] : groups) order.push_back(&cores);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->size() > b->size(); });
  std::vector<const CpuCore*> picked;
  groups_used = 0;
  for (const auto* cores : order) {
    if (picked.size() >= count) break;
    ++groups_used;
    for (const CpuCore* core : *cores) {
      if (picked.size() >= count) break;
      picked.push_back(core);
    }
  }
  std::sort(picked.begin(), picked.end(), [](const CpuCore* a, const CpuCore* b) {
    return a->threads.front() < b->threads.front();
  });
  return picked;
}

GuestTopology guest_shape(const CpuConfig& cpu, uint32_t cores, uint32_t threads) {
  GuestTopology guest;
  guest.threads = threads;
  guest.sockets = cores % cpu.sockets == 0 ? cpu.sockets : 1;
  guest.cores = cores / guest.sockets;
  return guest;
}

std::vector<int> emulator_set(const std::vector<const CpuCore*>& reserved,
                              const CpuTopology& topology, std::vector<std::string>& notes) {
  std::vector<int> cpus = threads_of(reserved);
  if (cpus.empty()) {
    notes.emplace_back("no cores kept for the host: QEMU's own threads may run on any CPU");
    return topology.online;
  }
  return cpus;
}

Result<PinPlan> plan_auto(const CpuTopology& topology, const VmConfig& config,
                          const PinHost& host) {
  const CpuConfig& cpu = config.cpu;
  PinPlan plan;
  plan.enabled = true;
  Split split = split_for_vcpus(topology, cpu.host_cores);
  plan.notes = split.notes;

  // Pools in order of preference: P-cores alone on hybrid parts, then all.
  std::vector<std::vector<const CpuCore*>> pools;
  if (topology.hybrid) {
    std::vector<const CpuCore*> performance;
    for (const CpuCore* core : split.candidates)
      if (core->type == CoreType::kPerformance) performance.push_back(core);
    if (!performance.empty()) pools.push_back(performance);
  }
  std::vector<const CpuCore*> all = split.candidates;
  // P-cores first, so a VM that spills over takes E-cores last.
  std::stable_sort(all.begin(), all.end(), [](const CpuCore* a, const CpuCore* b) {
    return a->type == CoreType::kPerformance && b->type != CoreType::kPerformance;
  });
  pools.push_back(all);

  uint32_t vcpus = cpu.vcpus();
  uint32_t most = 0;
  for (const auto& pool : pools) {
    if (pool.empty()) continue;
    uint32_t threads = std::min<uint32_t>(cpu.threads, static_cast<uint32_t>(threads_in(pool)));
    most = std::max<uint32_t>(most, static_cast<uint32_t>(pool.size()) * threads);
    // Guest SMT siblings land on host SMT siblings, or the guest has no SMT.
    if (vcpus % threads != 0) continue;
    uint32_t cores_needed = vcpus / threads;
    if (pool.size() < cores_needed) continue;
    int groups_used = 1;
    auto picked = pick_cores(pool, cores_needed, split.reserved, groups_used);
    for (uint32_t i = 0; i < vcpus; ++i)
      plan.vcpu_cpus.push_back(picked[i / threads]->threads[i % threads]);
    plan.guest = guest_shape(cpu, cores_needed, threads);
    plan.topoext = host.amd && threads > 1;
    plan.emulator_cpus = emulator_set(split.reserved, topology, plan.notes);
    plan.iothread_cpus = plan.emulator_cpus;
    if (threads != cpu.threads) {
      plan.notes.push_back(
          fmt::format("the chosen host cores have {}: the guest gets {} × {} instead of {} × {}",
                      plural(static_cast<size_t>(threads_in(picked)), "thread", "threads"),
                      cores_needed, plural(threads, "thread", "threads"), cpu.sockets * cpu.cores,
                      plural(cpu.threads, "thread", "threads")));
    }
    if (groups_used > 1 && topology.l3_groups.size() > 1) {
      plan.notes.push_back(
          fmt::format("the vCPUs span {} L3 cache groups (CCX/CCD): fewer vCPUs would fit in one",
                      groups_used));
    }
    bool efficiency = std::any_of(picked.begin(), picked.end(), [](const CpuCore* core) {
      return core->type == CoreType::kEfficiency;
    });
    if (efficiency) {
      plan.notes.emplace_back(
          "not enough free P-cores: some vCPUs run on E-cores (slower; games may stutter)");
    }
    return plan;
  }
  std::string isolation =
      split.set_aside_by.empty() ? "" : fmt::format("; or widen {}", split.set_aside_by);
  return fail(
      "{} vCPUs ({} socket × {} cores × {} threads) do not fit: this host has {} online "
      "CPUs, {}, and at most {} vCPUs fit on the rest; lower cpu.cores, set "
      "cpu.host_cores = 0, list host CPUs in cpu.pin, or set cpu.pin = \"off\"{}",
      vcpus, cpu.sockets, cpu.cores, cpu.threads, topology.online.size(), split.why_reserved, most,
      isolation);
}

Result<PinPlan> plan_list(const CpuTopology& topology, const VmConfig& config,
                          const PinHost& host) {
  const CpuConfig& cpu = config.cpu;
  PinPlan plan;
  plan.enabled = true;
  if (cpu.pin.host_cpus.size() != cpu.vcpus()) {
    return fail("cpu.pin lists {} host CPUs for {} vCPUs; give one per vCPU",
                cpu.pin.host_cpus.size(), cpu.vcpus());
  }
  std::set<int> online(topology.online.begin(), topology.online.end());
  std::set<int> used;
  for (uint32_t host_cpu : cpu.pin.host_cpus) {
    int id = static_cast<int>(host_cpu);
    if (!online.contains(id)) {
      return fail("cpu.pin names CPU {}, which is not online (online CPUs: {})", id,
                  cpus_text(topology.online));
    }
    if (!used.insert(id).second)
      plan.notes.push_back(fmt::format("CPU {} runs more than one vCPU", id));
    plan.vcpu_cpus.push_back(id);
  }
  plan.guest = {cpu.sockets, cpu.cores, cpu.threads};
  plan.topoext = host.amd && cpu.threads > 1;
  // CPUs the kernel sets aside for VMs, by the rule `vfg new` and the
  // automatic plan follow: QEMU's own threads go to the others first.
  CoreSplit cores = split_cores(topology, cpu.host_cores);
  std::set<int> set_aside;
  if (!cores.set_aside_by.empty()) {
    std::vector<int> guest_cpus = threads_of(cores.guest);
    set_aside.insert(guest_cpus.begin(), guest_cpus.end());
  }
  std::vector<int> rest, rest_housekeeping;
  for (int id : topology.online) {
    if (used.contains(id)) continue;
    rest.push_back(id);
    if (!set_aside.contains(id)) rest_housekeeping.push_back(id);
  }
  if (!rest_housekeeping.empty()) {
    plan.emulator_cpus = rest_housekeeping;
  } else if (!rest.empty()) {
    plan.emulator_cpus = rest;
  } else {
    plan.emulator_cpus = topology.online;
    plan.notes.emplace_back(
        "every online CPU runs a vCPU: QEMU's own threads share them with the vCPUs");
  }
  plan.iothread_cpus = plan.emulator_cpus;
  // Guest SMT siblings should be host SMT siblings, else the guest's
  // scheduler reasons about caches that are not shared.
  if (cpu.threads > 1) {
    for (uint32_t first = 0; first + cpu.threads <= plan.vcpu_cpus.size(); first += cpu.threads) {
      const CpuCore* core = topology.core_of(plan.vcpu_cpus[first]);
      for (uint32_t t = 1; t < cpu.threads; ++t) {
        if (topology.core_of(plan.vcpu_cpus[first + t]) != core) {
          plan.notes.push_back(fmt::format(
              "vCPUs {}-{} are SMT siblings in the guest but CPUs {} and {} are not on one "
              "host core",
              first, first + cpu.threads - 1, plan.vcpu_cpus[first], plan.vcpu_cpus[first + t]));
          break;
        }
      }
    }
  }
  size_t on_set_aside = 0;
  for (int id : used) on_set_aside += set_aside.count(id);
  if (on_set_aside > 0 && on_set_aside < used.size()) {
    plan.notes.push_back(fmt::format(
        "some pinned CPUs are in {} and some are not: the vCPUs run unevenly", cores.set_aside_by));
  }
  return plan;
}

}  // namespace

Result<PinPlan> plan_pinning(const CpuTopology& topology, const VmConfig& config,
                             const PinHost& host) {
  const CpuConfig& cpu = config.cpu;
  switch (cpu.pin.mode) {
    case CpuPin::Mode::kOff: {
      PinPlan plan;
      plan.guest = {cpu.sockets, cpu.cores, cpu.threads};
      plan.topoext = host.amd && cpu.threads > 1;
      return plan;
    }
    case CpuPin::Mode::kList:
      return plan_list(topology, config, host);
    case CpuPin::Mode::kAuto:
      break;
  }
  if (config.gpus.empty()) {
    PinPlan plan;
    plan.guest = {cpu.sockets, cpu.cores, cpu.threads};
    plan.topoext = host.amd && cpu.threads > 1;
    plan.notes.emplace_back(
        "vCPUs not pinned: cpu.pin = \"auto\" pins VMs that pass a GPU; list host CPUs in "
        "cpu.pin to pin this one");
    return plan;
  }
  if (topology.cores.empty()) return fail("cannot pin vCPUs: the host's CPU topology is unknown");
  return plan_auto(topology, config, host);
}

VmConfig with_guest_topology(VmConfig config, const PinPlan& plan) {
  config.cpu.sockets = plan.guest.sockets;
  config.cpu.cores = plan.guest.cores;
  config.cpu.threads = plan.guest.threads;
  return config;
}

std::vector<std::string> describe_pin_plan(const PinPlan& plan) {
  std::vector<std::string> lines;
  std::string shape = fmt::format("{} vCPUs as {} × {} × {} (sockets × cores × threads){}",
                                  plan.guest.vcpus(), plan.guest.sockets, plan.guest.cores,
                                  plan.guest.threads, plan.topoext ? ", topoext" : "");
  if (!plan.enabled) {
    lines.push_back(shape + ", not pinned");
    return lines;
  }
  lines.push_back(shape);
  uint32_t threads = std::max<uint32_t>(plan.guest.threads, 1);
  for (size_t first = 0; first < plan.vcpu_cpus.size(); first += threads) {
    std::vector<std::string> vcpus, cpus;
    for (size_t i = first; i < std::min(plan.vcpu_cpus.size(), first + threads); ++i) {
      vcpus.push_back(std::to_string(i));
      cpus.push_back(std::to_string(plan.vcpu_cpus[i]));
    }
    lines.push_back(fmt::format("vCPU {} → CPU {}", join(vcpus, ","), join(cpus, ",")));
  }
  lines.push_back(fmt::format("emulator threads → CPU {}", cpus_text(plan.emulator_cpus)));
  lines.push_back(fmt::format("I/O threads → CPU {}", cpus_text(plan.iothread_cpus)));
  return lines;
}

// The plan in tuning.json is these fields; a missing key reads as its default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GuestTopology, sockets, cores, threads)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PinPlan, enabled, vcpu_cpus, emulator_cpus,
                                                iothread_cpus, guest, topoext, notes)

Json PinPlan::to_json() const { return *this; }

Result<PinPlan> PinPlan::from_json(const Json& doc) {
  if (!doc.is_object()) return fail("a pinning plan must be a JSON object");
  PinPlan plan;
  try {
    plan = doc.get<PinPlan>();
  } catch (const Json::exception& error) {
    return fail("malformed pinning plan: {}", error.what());
  }
  return plan;
}

}  // namespace vfg
