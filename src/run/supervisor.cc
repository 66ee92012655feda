#include "run/supervisor.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "host/process_info.h"
#include "run/guest_power.h"
#include "run/handover.h"
#include "run/tuning/tuning.h"
#include "util/file_io.h"
#include "util/poll_wait.h"
#include "util/strings.h"
#include "util/unix_socket.h"

namespace vfg {

namespace {

using namespace std::chrono_literals;

// How long QEMU gets to obey `quit` before SIGKILL.
constexpr auto kQuitGrace = 10s;
constexpr size_t kLogTailLines = 15;
constexpr auto kCommandTimeout = 5s;

std::string log_tail(const std::filesystem::path& log) {
  auto text = read_file(log);
  if (!text) return {};
  std::vector<std::string> lines;
  for (auto& line : split(*text, '\n'))
    if (!trim(line).empty()) lines.push_back(line);
  size_t first = lines.size() > kLogTailLines ? lines.size() - kLogTailLines : 0;
  std::string tail;
  for (size_t i = first; i < lines.size(); ++i) tail += "\n    " + lines[i];
  return tail;
}

std::string quoted_command(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const auto& arg : argv) words.push_back(shell_quote(arg));
  return join(words, " ");
}

std::string describe_shutdown_reason(const std::string& reason) {
  if (reason == "host-qmp-quit") return "QEMU quit on a QMP 'quit' command";
  if (reason == "host-signal") return "QEMU was stopped by a signal";
  if (reason == "host-error") return "QEMU stopped on an error";
  if (reason == "guest-panic") return "the guest panicked";
  return "QEMU shut down (" + reason + ")";
}

/// Starts a new run's log with the time it began. The line goes to a file
/// beside the log first, so a full disk stops the start here, naming the log,
/// rather than letting QEMU run with nowhere to write why it fails; the last
/// two runs' logs then stay as they were.
Status start_log(const std::filesystem::path& log, const std::string& vm_name) {
  if (auto made = make_directories(log.parent_path(), 0700); !made) return made;
  UniqueFd dir(::open(log.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return fail("cannot open '{}': {}", log.parent_path().string(), std::strerror(errno));
  std::string next = log.filename().string() + ".next";
  std::time_t now = std::time(nullptr);
  std::tm local{};
  char when[64] = "";
  if (::localtime_r(&now, &local) != nullptr)
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &local);
  std::string header = fmt::format("vfg: starting '{}' on {}\n", vm_name, when);
  if (auto written =
          write_file_atomic_at(dir.get(), next, log.string(), header, 0600, Durability::kVolatile);
      !written)
    return written;
  // The log holds this run only, so its tail is this run's error; the run
  // before it stays beside it as qemu.log.1 (a crash is often read after the next
  // start), and nothing older: two runs' worth at most.
  std::filesystem::path previous = log;
  previous += ".1";
  if (::rename(log.c_str(), previous.c_str()) != 0 && errno != ENOENT) {
    int error = errno;
    ::unlinkat(dir.get(), next.c_str(), 0);
    return fail("cannot keep the last run's log as '{}': {}", previous.string(),
                std::strerror(error));
  }
  if (::renameat(dir.get(), next.c_str(), dir.get(), log.filename().c_str()) != 0)
    return fail("cannot create '{}': {}", log.string(), std::strerror(errno));
  return ok();
}

}  // namespace

Result<Supervisor> Supervisor::prepare(LaunchRequest request) {
  RuntimeFiles files = RuntimeFiles::of(request.paths);
  if (auto created = files.create(); !created) return tl::unexpected(created.error());
  auto lock = VmLock::acquire(files, request.paths.name);
  if (!lock) return tl::unexpected(lock.error());
  Supervisor supervisor(std::move(request), std::move(*lock));
  // We hold the lock, so whatever the directory still holds belongs to a run
  // that ended without cleaning up (crash, SIGKILL, power loss).
  HostRoot live;
  VmProbe probe = probe_vm(live, files);
  if (probe.liveness == VmLiveness::kRunning) {
    return fail("QEMU pid {} of an earlier start of '{}' still runs without holding its lock",
                probe.record->qemu_pid, supervisor.request_.paths.name);
  }
  if (probe.record) {
    supervisor.notes_.push_back(
        fmt::format("cleared the state of an earlier run that ended without cleaning up "
                    "(QEMU pid {} no longer exists)",
                    probe.record->qemu_pid));
  }
  // Before this run reads the host's settings, or it would take the confined
  // ones for the originals.
  auto undone = undo_abandoned_tuning(supervisor.request_.paths);
  if (!undone) return fail(undone.error(), "undoing the tuning of an earlier run");
  for (auto& line : *undone) supervisor.notes_.push_back(std::move(line));
  auto returned = finish_abandoned_handover(live, supervisor.request_.paths);
  if (!returned) return tl::unexpected(returned.error());
  for (auto& line : *returned) supervisor.notes_.push_back(std::move(line));
  files.clear(/*keep_lock=*/true);
  return supervisor;
}

Supervisor::~Supervisor() = default;

Status Supervisor::adopt() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0)
    return fail("sigprocmask: {}", std::strerror(errno));
  signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_) return fail("signalfd: {}", std::strerror(errno));
  // A vanished reader (the `vfg start` that forked us) must not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  if (auto owned = lock_.set_owner(::getpid()); !owned) {
    // The runtime directory's disk is full: leave it as the start found it.
    cleanup();
    return owned;
  }
  return ok();
}

std::vector<std::string> Supervisor::full_argv(int private_qmp_fd, int public_qmp_fd) const {
  const auto& given = request_.argv;
  std::vector<std::string> argv{given.front()};
  // Paused until checked and tuned; `cont` happens in launch().
  if (std::find(given.begin(), given.end(), "-S") == given.end()) argv.emplace_back("-S");
  // A QMP monitor on a chardev, spelled the way this QEMU wants it.
  auto monitor = [&](const std::string& chardev) {
    if (request_.monitor_object) {
      argv.insert(argv.end(),
                  {"-object",
                   fmt::format(R"({{"qom-type":"monitor-qmp","id":"{0}-monitor","chardev":"{0}"}})",
                               chardev)});
    } else {
      argv.insert(argv.end(), {"-mon", fmt::format("chardev={},mode=control", chardev)});
    }
  };
  // A private monitor over a socketpair: no socket file to wait for, nobody
  // else can take it, and it carries the events the supervisor reports.
  argv.insert(argv.end(),
              {"-chardev", fmt::format("socket,id=vfg-supervisor,fd={}", private_qmp_fd)});
  monitor("vfg-supervisor");
  if (public_qmp_fd >= 0) {
    // The socket `vfg stop`, `vfg status` and the user's tools connect to,
    // listening before QEMU even starts.
    argv.insert(argv.end(), {"-chardev", fmt::format("socket,id=vfg-qmp,fd={},server=on,wait=off",
                                                     public_qmp_fd)});
    monitor("vfg-qmp");
  }
  argv.insert(argv.end(), given.begin() + 1, given.end());
  return argv;
}

Result<LaunchInfo> Supervisor::launch() {
  if (request_.argv.empty()) return fail("no QEMU command line");
  for (auto& step : request_.before_launch) {
    if (auto done = step.run(); !done) {
      cleanup();
      return fail(done.error(), step.name);
    }
  }
  if (auto log = start_log(files_.log, request_.paths.name); !log) {
    cleanup();
    return tl::unexpected(log.error());
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return fail("socketpair: {}", std::strerror(errno));
  UniqueFd ours(pair[0]), theirs(pair[1]);
  UniqueFd public_qmp;
  if (!request_.argv_opens_qmp) {
    auto listening = listen_unix(files_.qmp_socket);
    if (!listening) {
      cleanup();
      return tl::unexpected(listening.error());
    }
    public_qmp = std::move(*listening);
  }
  if (request_.swtpm) {
    auto started = Swtpm::start(*request_.swtpm);
    if (!started) {
      cleanup();
      return tl::unexpected(started.error());
    }
    swtpm_.emplace(std::move(*started));
  }
  argv_ = full_argv(theirs.get(), public_qmp ? public_qmp.get() : -1);

  SpawnOptions options;
  options.argv = argv_;
  options.stdout_mode = Stdio::kFile;
  options.stdout_path = files_.log.string();
  options.stderr_mode = Stdio::kFile;
  options.stderr_path = files_.log.string();
  // Its own session: a terminal's Ctrl-C reaches the supervisor, which shuts
  // the guest down properly, never QEMU directly (SIGINT would be a hard power-off).
  options.new_session = true;
  options.keep_fds = {lock_.fd(), theirs.get()};
  if (public_qmp) options.keep_fds.push_back(public_qmp.get());
  auto spawned = spawn(options);
  if (!spawned) {
    cleanup();
    return fail(spawned.error(), "cannot start QEMU");
  }
  qemu_ = std::move(*spawned);
  theirs.reset();
  public_qmp.reset();

  HostRoot live;
  VmRecord record;
  record.name = request_.paths.name;
  record.supervisor_pid = ::getpid();
  if (auto self = read_process_stat(live, record.supervisor_pid))
    record.supervisor_start_ticks = self->start_ticks;
  record.qemu_pid = qemu_.pid();
  if (auto stat = read_process_stat(live, qemu_.pid())) record.qemu_start_ticks = stat->start_ticks;
  record.accelerator = request_.accelerator;
  record.stop_timeout_seconds = request_.stop_timeout.count();
  if (swtpm_) {
    record.swtpm_pid = swtpm_->pid();
    if (auto stat = read_process_stat(live, swtpm_->pid()))
      record.swtpm_start_ticks = stat->start_ticks;
  }
  record.argv = argv_;
  if (auto written = write_record(files_, record); !written)
    return tl::unexpected(launch_failure(written.error().message));

  auto client = QmpClient::adopt(std::move(ours), request_.qmp_timeout, qemu_.pidfd());
  if (!client) return tl::unexpected(launch_failure(client.error().message));
  qmp_.emplace(std::move(*client));
  auto status = qmp_->execute("query-status", {}, kCommandTimeout);
  if (!status) return tl::unexpected(launch_failure(status.error().message));
  std::string state = status->value("status", "");
  if (state != "prelaunch" && state != "paused") {
    return tl::unexpected(
        launch_failure(fmt::format("QEMU is '{}' instead of paused before the start", state)));
  }
  for (auto& step : request_.before_continue) {
    if (auto done = step.run(*qmp_, qemu_.pid()); !done)
      return tl::unexpected(launch_failure(fmt::format("{}: {}", step.name, done.error().message)));
  }
  if (auto resumed = qmp_->execute("cont", {}, kCommandTimeout); !resumed)
    return tl::unexpected(launch_failure(resumed.error().message));
  status = qmp_->execute("query-status", {}, kCommandTimeout);
  if (!status) return tl::unexpected(launch_failure(status.error().message));
  if (!status->value("running", false)) {
    return tl::unexpected(launch_failure(
        fmt::format("QEMU is '{}' instead of running after 'cont'", status->value("status", ""))));
  }
  return LaunchInfo{qemu_.pid(), ::getpid(), notes_};
}

Error Supervisor::launch_failure(std::string_view what) {
  // QMP often notices QEMU's death a moment before its pidfd does; give it
  // that moment before concluding that QEMU lives on and must be killed.
  std::string message;
  auto exited = qemu_.pid() > 0 ? qemu_.wait_for(2s) : Result<std::optional<ExitStatus>>();
  if (exited && *exited) {
    message = fmt::format("QEMU exited during start ({})", (*exited)->describe());
  } else {
    qemu_.kill(SIGKILL);
    (void)qemu_.wait();
    message = fmt::format("{} (QEMU was stopped)", what);
  }
  std::string tail = log_tail(files_.log);
  if (!tail.empty()) message += fmt::format("\n  last lines of {}:{}", files_.log.string(), tail);
  if (!argv_.empty()) message += "\n  command: " + quoted_command(argv_);
  qmp_.reset();
  cleanup();
  return Error{message};
}

void Supervisor::arm_timer(std::chrono::seconds after) {
  if (!timer_) timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  itimerspec spec{};
  spec.it_value.tv_sec = std::max<int64_t>(after.count(), 0);
  if (spec.it_value.tv_sec == 0) spec.it_value.tv_nsec = 1;  // 0 would disarm it
  ::timerfd_settime(timer_.get(), 0, &spec, nullptr);
}

void Supervisor::escalate() {
  auto progress = [this](const std::string& text) {
    if (on_progress) on_progress(text);
  };
  bool have_qmp = qmp_ && qmp_->connected();
  switch (phase_) {
    case Phase::kRunning: {
      phase_ = Phase::kPoweringDown;
      bool by_agent = false;
      int presses = 0;
      if (have_qmp) {
        if (wake_if_suspended(*qmp_)) progress("woke the guest from sleep first");
        have_qmp =
            static_cast<bool>(ask_guest_to_power_off(*qmp_, request_.paths, by_agent, presses));
      }
      if (!have_qmp) qemu_.kill(SIGTERM);
      progress(fmt::format("shutting down '{}': {}, waiting up to {} s (interrupt again to force)",
                           request_.paths.name,
                           by_agent   ? "the guest agent was asked to shut down"
                           : have_qmp ? "ACPI power button pressed"
                                      : "QMP does not answer, so QEMU got SIGTERM",
                           request_.stop_timeout.count()));
      arm_timer(request_.stop_timeout);
      break;
    }
    case Phase::kPoweringDown:
      phase_ = Phase::kQuitting;
      progress("telling QEMU to quit");
      if (!have_qmp || !qmp_->execute("quit", {}, kCommandTimeout)) qemu_.kill(SIGTERM);
      arm_timer(std::chrono::duration_cast<std::chrono::seconds>(kQuitGrace));
      break;
    case Phase::kQuitting:
      phase_ = Phase::kKilled;
      progress("QEMU did not quit; killing it");
      qemu_.kill(SIGKILL);
      timer_.reset();
      break;
    case Phase::kKilled:
      break;
  }
}

void Supervisor::note_tpm_lost() {
  tpm_lost_ = true;
  // swtpm also ends (--terminate) when QEMU closes its connection on the way
  // out: that is no loss.
  if (wait_readable(qemu_.pidfd(), std::chrono::seconds(1))) return;
  append_to_log(fmt::format(
      "vfg: swtpm (pid {}) exited while the VM runs: the guest has lost its TPM (degraded; "
      "BitLocker and Windows Hello fail until the VM is stopped and started again)",
      swtpm_->pid()));
  if (on_progress) on_progress(fmt::format("'{}' lost its TPM: swtpm exited", request_.paths.name));
}

void Supervisor::append_to_log(const std::string& line) const {
  int log = ::open(files_.log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (log < 0) return;
  std::string text = line + "\n";
  ssize_t ignored = ::write(log, text.data(), text.size());
  (void)ignored;
  ::close(log);
}

void Supervisor::note_event(const QmpEvent& event) {
  if (event.name == "SHUTDOWN") shutdown_ = event;
}

VmExit Supervisor::supervise() {
  while (true) {
    pollfd fds[5];
    nfds_t count = 0;
    fds[count++] = {qemu_.pidfd(), POLLIN, 0};
    fds[count++] = {signals_.get(), POLLIN, 0};
    int qmp_index = -1, timer_index = -1, swtpm_index = -1;
    if (swtpm_ && !tpm_lost_) {
      swtpm_index = static_cast<int>(count);
      fds[count++] = {swtpm_->pidfd(), POLLIN, 0};
    }
    if (qmp_ && qmp_->connected()) {
      qmp_index = static_cast<int>(count);
      fds[count++] = {qmp_->fd(), POLLIN, 0};
    }
    if (timer_) {
      timer_index = static_cast<int>(count);
      fds[count++] = {timer_.get(), POLLIN, 0};
    }
    while (qmp_) {
      auto event = qmp_->pop_event();
      if (!event) break;
      note_event(*event);
    }
    // No timeout: the supervisor sleeps until something happens.
    int n = ::poll(fds, count, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // cannot happen with valid fds; fall through to reaping
    }
    if (fds[0].revents != 0) break;
    if (qmp_index >= 0 && fds[qmp_index].revents != 0) (void)qmp_->read_available();
    if (fds[1].revents != 0) {
      signalfd_siginfo info{};
      while (::read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info))
        escalate();
    }
    if (swtpm_index >= 0 && fds[swtpm_index].revents != 0) note_tpm_lost();
    if (timer_index >= 0 && fds[timer_index].revents != 0) {
      uint64_t expirations = 0;
      if (::read(timer_.get(), &expirations, sizeof expirations) > 0) escalate();
    }
  }
  auto status = qemu_.wait();
  if (qmp_ && qmp_->connected()) (void)qmp_->read_available();
  while (qmp_) {
    auto event = qmp_->pop_event();
    if (!event) break;
    note_event(*event);
  }

  VmExit exit;
  if (status) {
    exit.exit_code = status->code;
    exit.signal = status->signal;
  }
  if (shutdown_ && shutdown_->data.value("guest", false)) {
    exit.guest_shutdown = true;
    exit.description = "the guest powered off";
  } else if (phase_ == Phase::kKilled) {
    exit.forced = true;
    exit.description = "QEMU was killed after it ignored 'quit'";
  } else if (phase_ == Phase::kQuitting) {
    exit.forced = true;
    exit.description = "the guest did not power off in time; QEMU was told to quit";
  } else if (shutdown_) {
    exit.forced = phase_ != Phase::kRunning;
    exit.description = describe_shutdown_reason(shutdown_->data.value("reason", "unknown"));
  } else if (status && status->signal != 0) {
    exit.description = "QEMU was " + status->describe();
  } else if (status) {
    exit.description = "QEMU " + status->describe();
  } else {
    exit.description = "QEMU ended";
  }
  cleanup();
  // Leave the verdict beside QEMU's own output for a later post-mortem.
  append_to_log("vfg: " + exit.description);
  return exit;
}

void Supervisor::cleanup() {
  if (cleaned_) return;
  cleaned_ = true;
  // QEMU is gone by now, so the TPM has no user left.
  if (swtpm_) swtpm_->stop();
  for (auto& undo : request_.after_exit) undo();
  files_.clear();
}

}  // namespace vfg
