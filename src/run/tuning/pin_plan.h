// The CPU pinning plan: which host CPU runs each vCPU, where QEMU's own
// threads go, and the guest topology (-smp) that matches. A pure function of
// the host's CPU topology and the VM's cpu settings, so every host shape is
// tested as a golden plan without the hardware.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/cpu_topology.h"
#include "util/result.h"
#include "vm/vm_config.h"

namespace vfg {

/// What -smp says: sockets × cores × threads.
struct GuestTopology {
  uint32_t sockets = 1;
  uint32_t cores = 1;
  uint32_t threads = 1;

  [[nodiscard]] uint32_t vcpus() const { return sockets * cores * threads; }
  bool operator==(const GuestTopology&) const = default;
};

struct PinPlan {
  /// False when nothing is pinned (cpu.pin = "off", or "auto" without a GPU).
  bool enabled = false;
  /// Host CPU of vCPU i (QEMU's cpu-index order: threads vary fastest).
  std::vector<int> vcpu_cpus;
  /// QEMU's main loop and every other thread that is not a vCPU or an I/O thread.
  std::vector<int> emulator_cpus;
  /// The -object iothread threads (disk I/O).
  std::vector<int> iothread_cpus;
  GuestTopology guest;
  /// The guest has SMT on an AMD host: -cpu needs topoext=on.
  bool topoext = false;
  /// Choices the user should know about (spanning L3 groups, SMT dropped...).
  std::vector<std::string> notes;

  [[nodiscard]] nlohmann::json to_json() const;
  static Result<PinPlan> from_json(const nlohmann::json& doc);
};

/// The host facts the planner needs beyond the topology.
struct PinHost {
  bool amd = false;
};

/// Plans pinning for `config` on a host with `topology`. Fails, naming the
/// numbers, when the vCPUs do not fit or an explicit list names CPUs that are
/// not online.
Result<PinPlan> plan_pinning(const CpuTopology& topology, const VmConfig& config,
                             const PinHost& host);

/// `config` with its -smp topology replaced by the plan's (the argv builder
/// then writes what the plan decided, topoext included).
VmConfig with_guest_topology(VmConfig config, const PinPlan& plan);

/// Human lines describing the plan ("vCPU 0,1 → CPU 4,12 (core 4)").
std::vector<std::string> describe_pin_plan(const PinPlan& plan);

}  // namespace vfg
