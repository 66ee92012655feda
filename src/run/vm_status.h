// What `vfg status` and `vfg list` report about VMs: whether each runs, its
// state from QMP, its pids and uptime.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "host/host_root.h"
#include "run/handover.h"
#include "util/xdg.h"
#include "vm/vm_paths.h"

namespace vfg {

struct VmStatus {
  std::string name;
  /// "stopped", "starting", or QEMU's own run state from QMP query-status
  /// ("running", "paused", "prelaunch", "shutdown", ...).
  std::string state = "stopped";
  pid_t qemu_pid = 0;
  pid_t supervisor_pid = 0;
  /// True while the supervisor that owns QEMU lives.
  bool supervised = false;
  std::optional<double> uptime_seconds;
  /// "kvm" or "tcg" (from QMP query-kvm, else the start record).
  std::string accelerator;
  /// Anything odd: QMP unreachable, state left by a crashed run.
  std::string note;
  /// Runs without something the VM was started with (its TPM emulator died).
  bool degraded = false;
  /// What is missing, for humans, when degraded.
  std::vector<std::string> problems;
  /// The supervisor's log (QEMU's output and vfg's own lines) of the current
  /// or last run, when there is one.
  std::string log;
  /// The tuning applied at start (pinning, hugepages, isolation; tuning.json).
  std::optional<nlohmann::json> tuning;
  /// Cards a run handed over to vfio-pci and has not given back (binding = "start").
  std::vector<HandedOverCard> handover;

  [[nodiscard]] bool running() const { return qemu_pid > 0; }
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Looks up one VM (defined or not: a VM is stopped when nothing runs it).
VmStatus query_vm_status(const HostRoot& root, const VmPaths& paths);

/// The VM's paths, with the runtime directory it runs from: the session's,
/// unless the VM has no record there and one in the detached runtime
/// directory (a single-GPU run, started by its service outside any
/// session). The detached directory counts only if it is ours alone.
VmPaths locate_vm(const XdgDirs& dirs, std::string_view name);

/// Names of the VM definitions in the config directory (NAME.toml), sorted.
std::vector<std::string> defined_vm_names(const XdgDirs& dirs);

/// Defined VMs plus any VM with runtime state in the session's or the
/// detached runtime directory (running from a definition that has since been
/// removed), sorted and unique.
std::vector<std::string> known_vm_names(const XdgDirs& dirs);

/// "3 h 04 min", "12 min 5 s", "42 s".
std::string format_duration(double seconds);

}  // namespace vfg
