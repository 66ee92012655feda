// swtpm: the software TPM 2.0 a Windows 11 guest needs (tpm = true). The
// supervisor starts it before QEMU and stops it after QEMU has exited,
// however that happened, so no emulator outlives its VM.
//
// Its control socket is created here and handed over as a listening
// descriptor, so QEMU can connect the moment it starts: there is no window
// in which the socket file does not exist yet. swtpm runs with --terminate
// as well, so it also ends by itself when QEMU's connection closes (the
// supervisor being killed along with QEMU); it keeps its own session, so a
// terminal's Ctrl-C cannot take the TPM away from a guest that is still
// shutting down.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "util/process.h"
#include "util/result.h"

namespace vfg {

/// Where one VM's TPM lives.
struct SwtpmOptions {
  std::string binary = "swtpm";
  /// Persistent TPM state (keys, NVRAM): the VM's data dir/tpm, kept between runs.
  std::filesystem::path state_dir;
  /// The control socket QEMU's emulator backend connects to (runtime dir).
  std::filesystem::path socket;
  /// swtpm's own output, for errors (runtime dir; kept after the VM stops).
  std::filesystem::path log;
  /// How long swtpm may take to answer its first control command.
  std::chrono::milliseconds ready_timeout{std::chrono::seconds(10)};
};

/// A running swtpm. Destroying it stops it (see stop()).
class Swtpm {
 public:
  /// Starts swtpm and waits until it answers on its control socket. On
  /// failure nothing is left: no process, no socket; the error carries
  /// swtpm's own message.
  static Result<Swtpm> start(const SwtpmOptions& options);

  Swtpm(Swtpm&& other) noexcept;
  Swtpm& operator=(Swtpm&& other) noexcept;
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;
  ~Swtpm() { stop(); }

  [[nodiscard]] pid_t pid() const { return child_.pid(); }
  /// Readable once swtpm has exited (for the supervisor's poll).
  [[nodiscard]] int pidfd() const { return child_.pidfd(); }
  /// SIGTERM (swtpm saves its state and exits), SIGKILL if it lingers, then
  /// the socket file is removed. Safe to call more than once.
  void stop();

 private:
  Swtpm(Child child, std::filesystem::path socket)
      : child_(std::move(child)), socket_(std::move(socket)) {}
  Child child_;
  std::filesystem::path socket_;
  bool stopped_ = false;
};

/// swtpm's command line for a control socket passed as descriptor `ctrl_fd`.
std::vector<std::string> swtpm_argv(const SwtpmOptions& options, int ctrl_fd);

}  // namespace vfg
