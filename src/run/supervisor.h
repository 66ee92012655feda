// The supervisor: the one process that owns a running VM.
//
// Who supervises, and why: `vfg start` forks a small supervisor that holds
// the VM's lock and is QEMU's parent. Being the parent is what makes cleanup
// reliable: it learns of QEMU's end however it happens (guest power-off,
// `vfg stop`, a crash, SIGKILL) through a pidfd, reaps it, and clears the
// runtime directory. It blocks on file descriptors only (QEMU's pidfd, a
// signalfd, its private QMP connection, and a timerfd armed only while a
// shutdown is in progress), so an idle VM costs it no wake-ups. QEMU inherits
// the lock too, so the lock stays held while either process lives and frees
// itself when both are gone — a crashed run can never leave a lock that looks
// taken. With --foreground the same supervisor runs in the terminal.
#pragma once

#include <optional>

#include "run/launch_request.h"
#include "run/qmp_client.h"
#include "run/swtpm.h"
#include "run/vm_state.h"
#include "util/process.h"
#include "util/result.h"

namespace vfg {

class Supervisor {
 public:
  /// Creates the runtime directory, takes the lock (refusing a second start
  /// with the running pids named) and clears what a crashed run left behind.
  static Result<Supervisor> prepare(LaunchRequest request);

  Supervisor(Supervisor&&) noexcept = default;
  Supervisor& operator=(Supervisor&&) noexcept = delete;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor();

  /// Makes this process the owner: blocks SIGINT/SIGTERM/SIGHUP into a
  /// signalfd and records its pid. Call in the process that will supervise.
  Status adopt();
  /// Spawns QEMU paused, checks it over QMP, runs the before-continue steps,
  /// continues it, and returns once QMP reports it running. On failure QEMU
  /// is gone, the runtime directory is clean and the error carries QEMU's
  /// last log lines and command line.
  Result<LaunchInfo> launch();
  /// Waits until QEMU exits, turning SIGINT/SIGTERM/SIGHUP into a graceful
  /// shutdown (ACPI power-down, then quit after the grace period, then
  /// SIGKILL); a second signal skips ahead. Cleans up and says how it ended.
  VmExit supervise();

  /// Notes gathered by prepare().
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }
  /// Releases this process's hold on the lock (the parent after forking).
  void drop_lock() { lock_.release(); }
  /// The locked descriptor (kept open across the fork).
  [[nodiscard]] int lock_fd() const { return lock_.fd(); }
  /// Called whenever a shutdown phase begins (foreground mode prints it).
  std::function<void(const std::string&)> on_progress;

 private:
  enum class Phase { kRunning, kPoweringDown, kQuitting, kKilled };

  Supervisor(LaunchRequest request, VmLock lock)
      : request_(std::move(request)),
        files_(RuntimeFiles::of(request_.paths)),
        lock_(std::move(lock)) {}
  std::vector<std::string> full_argv(int private_qmp_fd, int public_qmp_fd) const;
  Error launch_failure(std::string_view what);
  void escalate();
  void arm_timer(std::chrono::seconds after);
  void note_event(const QmpEvent& event);
  /// swtpm exited: logs it unless QEMU is exiting too.
  void note_tpm_lost();
  /// Appends one line to the log beside QEMU's output.
  void append_to_log(const std::string& line) const;
  void cleanup();

  LaunchRequest request_;
  RuntimeFiles files_;
  VmLock lock_;
  std::vector<std::string> notes_;
  UniqueFd signals_;
  UniqueFd timer_;
  Child qemu_;
  std::optional<Swtpm> swtpm_;  ///< with tpm: started before QEMU, stopped after it
  std::optional<QmpClient> qmp_;
  std::vector<std::string> argv_;
  Phase phase_ = Phase::kRunning;
  std::optional<QmpEvent> shutdown_;
  bool cleaned_ = false;
  bool tpm_lost_ = false;
};

}  // namespace vfg
