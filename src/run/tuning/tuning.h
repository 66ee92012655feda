// Everything `vfg start` does to make a VM fast, in one place: the pinning
// plan (and the guest topology it implies), hugepages reserved for the run,
// and optional host isolation — planned before anything runs, applied through
// the launcher's steps, recorded in the runtime directory for `vfg status`,
// and undone when QEMU exits.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/host_root.h"
#include "run/launch_request.h"
#include "run/tuning/isolation.h"
#include "run/tuning/pin_plan.h"
#include "util/result.h"
#include "vm/vm_config.h"

namespace vfg {

struct TuningOptions {
  /// Reserve the hugepages the VM lacks for this run (root).
  bool allocate_hugepages = false;
};

struct Tuning {
  PinPlan pin;
  MemoryConfig memory;
  bool allocate_hugepages = false;
  std::optional<IsolationPlan> isolation;
  /// Where the host stays while isolated (the plan's emulator CPUs).
  std::vector<int> host_cpus;
  std::vector<std::string> notes;
};

/// Plans the tuning of `config` on the host seen through `root`.
Result<Tuning> plan_tuning(const VmConfig& config, const HostRoot& root, bool host_amd,
                           const TuningOptions& options);

/// Human lines for `vfg start` ("pinning: ...", "hugepages: ...").
std::vector<std::string> describe_tuning(const Tuning& tuning);

/// Adds the steps that apply `tuning` to `request`: hugepages before QEMU
/// starts, isolation and pinning while it is paused (recorded in
/// tuning.json), and their undoing once it exits.
void add_tuning_steps(LaunchRequest& request, const Tuning& tuning);

/// The runtime record of a VM's applied tuning (tuning.json).
std::filesystem::path tuning_record_path(const VmPaths& paths);

/// Reads it; nullopt when the VM runs untuned or not at all.
std::optional<nlohmann::json> read_tuning_record(const VmPaths& paths);

/// Undoes what the tuning record of a run that ended without undoing it
/// (its supervisor was killed) still holds applied: each unit cpu.isolate
/// confined gets its previous AllowedCPUs= back, and the hugepages the run
/// reserved leave the pool. Call it holding the VM's lock, once QEMU is gone,
/// before the runtime directory is cleared. Returns a line per thing undone.
Result<std::vector<std::string>> undo_abandoned_tuning(const VmPaths& paths);

/// Human lines for a record ("vCPU 0 (thread 1234) → CPU 4", ...).
std::vector<std::string> describe_tuning_record(const nlohmann::json& record);

}  // namespace vfg
