// The runtime state of one VM: its directory under $XDG_RUNTIME_DIR/vfg/NAME/,
// the lock that makes one process (the supervisor) its owner, and the record
// of which processes run it. A crashed or killed run leaves files behind; the
// lock tells whether anyone still owns them, so they are cleared, not trusted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "host/host_root.h"
#include "util/result.h"
#include "util/unique_fd.h"
#include "vm/vm_paths.h"

namespace vfg {

/// The files of one VM's runtime directory (names from VmPaths, plus the state record).
struct RuntimeFiles {
  std::filesystem::path dir;
  std::filesystem::path qmp_socket;
  std::filesystem::path lock;
  std::filesystem::path pid;
  /// QEMU's stdout and stderr; kept after the VM stops, for the post-mortem.
  std::filesystem::path log;
  /// The supervisor's record of the run (state.json).
  std::filesystem::path record;
  /// The cards a run released to vfio-pci and has not given back yet
  /// (handover.json): clear() keeps it until they are back.
  std::filesystem::path handover;

  static RuntimeFiles of(const VmPaths& paths);

  /// Creates the directory (and $XDG_RUNTIME_DIR/vfg) private to the user (0700).
  Status create() const;
  /// Removes everything a run leaves (sockets, pid, record, lock) except the
  /// logs and the handover record, and the directory itself when nothing else is left. The lock
  /// holder clearing stale files before a start keeps the lock file it holds.
  void clear(bool keep_lock = false) const;
};

/// What the supervisor records about a running VM (state.json).
struct VmRecord {
  std::string name;
  pid_t supervisor_pid = 0;
  uint64_t supervisor_start_ticks = 0;
  pid_t qemu_pid = 0;
  uint64_t qemu_start_ticks = 0;
  /// "kvm" or "tcg".
  std::string accelerator;
  /// The ACPI shutdown grace period `vfg stop` uses by default.
  int64_t stop_timeout_seconds = 60;
  bool foreground = false;
  /// The VM's TPM emulator (0 without a TPM); the VM is degraded once it is gone.
  pid_t swtpm_pid = 0;
  uint64_t swtpm_start_ticks = 0;
  std::vector<std::string> argv;
};

/// Writes state.json (and qemu.pid when QEMU runs) atomically.
Status write_record(const RuntimeFiles& files, const VmRecord& record);
/// Reads state.json; nullopt when there is none.
Result<std::optional<VmRecord>> read_record(const RuntimeFiles& files);

/// The exclusive lock on a VM's runtime directory. The supervisor holds it for
/// the VM's lifetime, and QEMU inherits it, so it is released only when both
/// have exited, whatever killed them.
class VmLock {
 public:
  /// Takes the lock without waiting. When another process holds it, the error
  /// says the VM is running and names the pids from the record.
  static Result<VmLock> acquire(const RuntimeFiles& files, std::string_view vm_name);

  VmLock(VmLock&&) noexcept = default;
  VmLock& operator=(VmLock&&) noexcept = default;

  /// The locked file descriptor (to hand to QEMU so it keeps the lock alive).
  [[nodiscard]] int fd() const { return fd_.get(); }
  /// Records `pid` as the owner (shown to a second `vfg start`).
  Status set_owner(pid_t pid);
  /// Closes our descriptor (another process that inherited it keeps the lock).
  void release() { fd_.reset(); }

 private:
  VmLock(UniqueFd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::filesystem::path path_;
};

/// Whether a VM runs, judged from its record and /proc (never from the lock,
/// so asking cannot disturb a concurrent start).
enum class VmLiveness {
  kStopped,   ///< no record
  kRunning,   ///< QEMU from the record is alive
  kStarting,  ///< the supervisor is alive but QEMU is not (yet, or any more)
  kStale,     ///< a record whose processes are all gone: a crashed run
};

struct VmProbe {
  VmLiveness liveness = VmLiveness::kStopped;
  std::optional<VmRecord> record;
};

/// Looks at a VM's runtime directory.
VmProbe probe_vm(const HostRoot& root, const RuntimeFiles& files);

/// True when `pid` exists and started at `start_ticks` (so it is not a reused pid).
bool same_process_alive(const HostRoot& root, pid_t pid, uint64_t start_ticks);

}  // namespace vfg
