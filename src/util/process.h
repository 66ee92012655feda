// The one way the tool starts programs: no shell, close-on-exec everywhere,
// exec failures reported as values, children owned by RAII.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "util/result.h"
#include "util/unique_fd.h"

namespace vfg {

/// What to connect a child's standard stream to.
enum class Stdio { kInherit, kNull, kPipe, kFile };

struct SpawnOptions {
  std::vector<std::string> argv;
  /// Variables set (or, with an empty optional, removed) on top of our environment.
  std::vector<std::pair<std::string, std::optional<std::string>>> env;
  std::optional<std::string> cwd;
  Stdio stdin_mode = Stdio::kNull;
  Stdio stdout_mode = Stdio::kInherit;
  Stdio stderr_mode = Stdio::kInherit;
  /// For kFile: the file is created 0600 and appended to.
  std::string stdout_path;
  std::string stderr_path;
  /// Start a new session so a terminal's Ctrl-C reaches only us, not the child.
  bool new_session = false;
  /// File descriptors the child inherits at the same numbers; all others are closed.
  std::vector<int> keep_fds;
  /// Run the child as another user (root only): groups, then group, then user.
  struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
  };
  std::optional<Identity> identity;
};

/// How a child ended.
struct ExitStatus {
  int code = 0;    ///< exit code when it exited normally
  int signal = 0;  ///< the signal that killed it, or 0

  [[nodiscard]] bool success() const { return signal == 0 && code == 0; }
  /// "exited with status 1" / "killed by signal 9 (Killed)".
  [[nodiscard]] std::string describe() const;
};

/// A running child process. Destroying a Child that was not waited for kills it with SIGKILL and
/// reaps it, so no child outlives a bug.
class Child {
 public:
  Child() = default;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  [[nodiscard]] pid_t pid() const { return pid_; }
  /// A pidfd for poll(): readable once the child has exited.
  [[nodiscard]] int pidfd() const { return pidfd_.get(); }
  UniqueFd& stdin_pipe() { return stdin_; }
  UniqueFd& stdout_pipe() { return stdout_; }
  UniqueFd& stderr_pipe() { return stderr_; }

  /// Blocks until the child exits.
  Result<ExitStatus> wait();
  /// Waits at most `timeout`; nullopt if it is still running.
  Result<std::optional<ExitStatus>> wait_for(std::chrono::milliseconds timeout);
  /// Sends a signal (no-op once reaped).
  void kill(int signal);

 private:
  friend Result<Child> spawn(const SpawnOptions& options);
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd stdin_, stdout_, stderr_;
  bool reaped_ = false;
};

/// Starts a program. Fails (with the program name and errno text) when it cannot be executed.
Result<Child> spawn(const SpawnOptions& options);

/// Captured result of a finished command.
struct CommandOutput {
  ExitStatus status;
  std::string out;
  std::string err;
};

/// Runs a command to completion, capturing its output; kills it after `timeout`.
Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                  const std::string& input = {});

/// The same with full spawn options (environment, cwd); its stdio modes are replaced by pipes.
Result<CommandOutput> run_command(SpawnOptions options, std::chrono::milliseconds timeout,
                                  const std::string& input = {});

/// The full path of `program` found on $PATH (or `program` itself if it contains a '/').
std::optional<std::string> find_program(std::string_view program);

/// Waits until `pid` (not our child) no longer exists, polling with a pidfd.
/// Returns false on timeout.
bool wait_for_pid_exit(pid_t pid, std::chrono::milliseconds timeout);

/// True when a process with this pid exists (zombies count as gone).
bool process_alive(pid_t pid);

}  // namespace vfg
