// The host plan: every file setup would write and every command it would run,
// as a plain value. Generators build it without touching the system; `vfg setup`
// prints it, the applier carries it out, and `vfg check` can ask it what is missing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "vm/host_needs.h"

namespace vfg {

/// What a file change is for; decides which regeneration commands follow it.
enum class FileRole {
  kModprobe,       ///< /etc/modprobe.d binding vfio-pci (copied into the initramfs: rebuild)
  kModuleOptions,  ///< /etc/modprobe.d for modules loaded after boot (kvm, kvmfr): no rebuild
  kInitramfs,      ///< the initramfs generator's own config
  kKernelCmdline,  ///< a source of the kernel command line
  kBootEntry,      ///< a loader entry read directly at boot (no regeneration)
  kUdev,
  kModulesLoad,
  kTmpfiles,
  kLimits,       ///< limits.d (read at next login)
  kSystemdUnit,  ///< a unit drop-in (daemon-reload)
  kSysctl,
  kHandover,  ///< the handover allowlist and its polkit rule (read at each request)
};

/// One file as it is and as setup wants it.
struct FileEdit {
  std::string path;                         ///< host path, "/etc/modprobe.d/vfg-vfio.conf"
  std::optional<std::string> old_contents;  ///< nullopt: the file does not exist
  std::string new_contents;
  mode_t mode = 0644;
  FileRole role = FileRole::kModprobe;
  std::string why;  ///< one line for people
};

/// A command to run after the files are written.
struct PlanCommand {
  std::vector<std::string> argv;
  std::string why;
  /// The command that reverses this one on undo (empty: nothing to reverse,
  /// e.g. a regeneration, which undo runs again after restoring files).
  std::vector<std::string> undo_argv;
  /// True for regeneration commands that undo must run again after restoring files.
  bool regenerate = false;
};

/// One file as setup wants it, whether or not it is there already.
struct PlannedFile {
  std::string path;
  std::string contents;
  FileRole role = FileRole::kModprobe;
  bool in_place = false;  ///< the host already has exactly these contents
  NeedKind need = NeedKind::kOther;
};

/// What the plan puts in place once applied (whether or not it is there already),
/// for readiness checks that want to say "vfg setup fixes this".
struct PlanTargets {
  std::vector<std::string> kernel_params;  ///< "intel_iommu=on", "iommu=pt"
  std::vector<std::string> vfio_devices;   ///< PCI addresses bound to vfio-pci at boot
  std::vector<std::string> user_groups;    ///< groups the user is made a member of
  std::optional<uint64_t> memlock;         ///< bytes; nullopt when no VM sets it
  bool memlock_unlimited = false;
  /// Every file the plan writes, with the contents it wants; a readiness
  /// check's fix names these, so the two cannot disagree.
  std::vector<PlannedFile> files;
};

/// Everything setup would change.
struct HostPlan {
  std::vector<FileEdit> files;        ///< only files whose contents or mode change
  std::vector<PlanCommand> commands;  ///< in the order they run
  std::vector<std::string> notes;     ///< facts for people: memory reserved, choices made
  std::vector<std::string> warnings;  ///< things setup cannot do or that need attention
  /// What the host needs that setup leaves to the user ("kernel parameters iommu=pt");
  /// a warning says why. `--status` never calls a host with one of these matching.
  std::vector<std::string> unmet;
  PlanTargets targets;

  /// True when applying would change nothing.
  [[nodiscard]] bool empty() const { return files.empty() && commands.empty(); }
};

}  // namespace vfg
