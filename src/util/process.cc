#include "util/process.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <grp.h>
#include <paths.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/poll_wait.h"
#include "util/strings.h"

extern char** environ;

namespace vfg {

namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail("pipe: {}", std::strerror(errno));
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

ExitStatus decode_status(int raw) {
  ExitStatus status;
  if (WIFEXITED(raw)) status.code = WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) status.signal = WTERMSIG(raw);
  return status;
}

// Everything below runs in the forked child: only async-signal-safe calls.
[[noreturn]] void child_exit_with_errno(int report_fd) {
  int saved = errno;
  ssize_t ignored = ::write(report_fd, &saved, sizeof saved);
  (void)ignored;
  ::_exit(127);
}

void close_other_fds(const std::vector<int>& keep, int report_fd) {
  // Mark every fd above stderr close-on-exec, then re-open the ones we keep.
  if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) != 0) {
    for (int fd = 3; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  for (int fd : keep) ::fcntl(fd, F_SETFD, 0);
  (void)report_fd;  // stays close-on-exec: it reports only exec failures
}

int open_stdio(Stdio mode, const std::string& path, int flags) {
  if (mode == Stdio::kNull) return ::open(_PATH_DEVNULL, flags | O_CLOEXEC);
  if (mode == Stdio::kFile)
    return ::open(path.c_str(), flags | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  return -1;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exited with status {}", code);
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      stdin_(std::move(other.stdin_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)),
      reaped_(std::exchange(other.reaped_, true)) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    this->~Child();
    new (this) Child(std::move(other));
  }
  return *this;
}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    while (::waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
  }
}

Result<ExitStatus> Child::wait() {
  if (pid_ <= 0 || reaped_) return fail("no child to wait for");
  int raw = 0;
  while (::waitpid(pid_, &raw, 0) < 0) {
    if (errno != EINTR) return fail("waitpid {}: {}", pid_, std::strerror(errno));
  }
  reaped_ = true;
  return decode_status(raw);
}

Result<std::optional<ExitStatus>> Child::wait_for(std::chrono::milliseconds timeout) {
  if (pid_ <= 0 || reaped_) return fail("no child to wait for");
  pollfd pfd{pidfd_.get(), POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int n = ::poll(&pfd, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("poll: {}", std::strerror(errno));
    if (n == 0) return std::optional<ExitStatus>();
    auto status = wait();
    if (!status) return tl::unexpected(status.error());
    return std::optional<ExitStatus>(*status);
  }
}

void Child::kill(int signal) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, signal);
}

Result<Child> spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return fail("spawn: empty command");
  Pipe in, out, err;
  if (options.stdin_mode == Stdio::kPipe) {
    auto p = make_pipe();
    if (!p) return tl::unexpected(p.error());
    in = std::move(*p);
  }
  if (options.stdout_mode == Stdio::kPipe) {
    auto p = make_pipe();
    if (!p) return tl::unexpected(p.error());
    out = std::move(*p);
  }
  if (options.stderr_mode == Stdio::kPipe) {
    auto p = make_pipe();
    if (!p) return tl::unexpected(p.error());
    err = std::move(*p);
  }
  auto report = make_pipe();
  if (!report) return tl::unexpected(report.error());

  // Prepare everything that allocates before fork().
  std::vector<char*> argv;
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [key, value] : options.env) overridden |= (key == name);
    if (!overridden) env_storage.emplace_back(entry);
  }
  for (const auto& [key, value] : options.env) {
    if (value) env_storage.push_back(key + "=" + *value);
  }
  std::vector<char*> envp;
  for (auto& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string program = options.argv[0];
  if (program.find('/') == std::string::npos) {
    auto found = find_program(program);
    if (!found) return fail("cannot run '{}': not found on PATH", program);
    program = *found;
  }
  int stdin_fd = open_stdio(options.stdin_mode, "", O_RDONLY);
  int stdout_fd = open_stdio(options.stdout_mode, options.stdout_path, O_WRONLY);
  int stderr_fd = open_stdio(options.stderr_mode, options.stderr_path, O_WRONLY);
  UniqueFd stdin_owner(stdin_fd), stdout_owner(stdout_fd), stderr_owner(stderr_fd);
  if ((options.stdout_mode == Stdio::kFile && stdout_fd < 0) ||
      (options.stderr_mode == Stdio::kFile && stderr_fd < 0)) {
    return fail("cannot open log file: {}", std::strerror(errno));
  }
  if (options.stdin_mode == Stdio::kPipe) stdin_fd = in.read.get();
  if (options.stdout_mode == Stdio::kPipe) stdout_fd = out.write.get();
  if (options.stderr_mode == Stdio::kPipe) stderr_fd = err.write.get();

  pid_t pid = ::fork();
  if (pid < 0) return fail("fork: {}", std::strerror(errno));
  if (pid == 0) {
    int report_fd = report->write.get();
    if (options.new_session) ::setsid();
    // Restore default signal handling; the parent may block or catch some.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) ::signal(sig, SIG_DFL);
    if (stdin_fd >= 0 && ::dup2(stdin_fd, 0) < 0) child_exit_with_errno(report_fd);
    if (stdout_fd >= 0 && ::dup2(stdout_fd, 1) < 0) child_exit_with_errno(report_fd);
    if (stderr_fd >= 0 && ::dup2(stderr_fd, 2) < 0) child_exit_with_errno(report_fd);
    close_other_fds(options.keep_fds, report_fd);
    if (options.identity &&
        (::setgroups(options.identity->groups.size(), options.identity->groups.data()) != 0 ||
         ::setgid(options.identity->gid) != 0 || ::setuid(options.identity->uid) != 0))
      child_exit_with_errno(report_fd);
    if (options.cwd && ::chdir(options.cwd->c_str()) != 0) child_exit_with_errno(report_fd);
    ::execve(program.c_str(), argv.data(), envp.data());
    child_exit_with_errno(report_fd);
  }

  Child child;
  child.pid_ = pid;
  child.pidfd_.reset(pidfd_open(pid));
  report->write.reset();
  int child_errno = 0;
  ssize_t n;
  while ((n = ::read(report->read.get(), &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    (void)child.wait();
    return fail("cannot run '{}': {}", options.argv[0], std::strerror(child_errno));
  }
  if (!child.pidfd_) return fail("pidfd_open: {}", std::strerror(errno));
  child.stdin_ = std::move(in.write);
  child.stdout_ = std::move(out.read);
  child.stderr_ = std::move(err.read);
  return child;
}

Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout, const std::string& input) {
  SpawnOptions options;
  options.argv = argv;
  return run_command(std::move(options), timeout, input);
}

Result<CommandOutput> run_command(SpawnOptions options, std::chrono::milliseconds timeout,
                                  const std::string& input) {
  const auto& argv = options.argv;
  options.stdin_mode = input.empty() ? Stdio::kNull : Stdio::kPipe;
  options.stdout_mode = Stdio::kPipe;
  options.stderr_mode = Stdio::kPipe;
  auto child = spawn(options);
  if (!child) return tl::unexpected(child.error());
  if (!input.empty()) {
    // Inputs are small (a config, a script); a pipe buffer holds them.
    size_t written = 0;
    while (written < input.size()) {
      ssize_t n =
          ::write(child->stdin_pipe().get(), input.data() + written, input.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    child->stdin_pipe().reset();
  }
  CommandOutput result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<pollfd, 2> fds{pollfd{child->stdout_pipe().get(), POLLIN, 0},
                            pollfd{child->stderr_pipe().get(), POLLIN, 0}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  int open_streams = 2;
  while (open_streams > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      child->kill(SIGKILL);
      (void)child->wait();
      return fail("'{}' did not finish within {} ms", argv[0], timeout.count());
    }
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("poll: {}", std::strerror(errno));
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[8192];
      ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_streams;
      }
    }
  }
  auto status = child->wait();
  if (!status) return tl::unexpected(status.error());
  result.status = *status;
  return result;
}

std::optional<std::string> find_program(std::string_view program) {
  if (program.find('/') != std::string_view::npos) {
    if (::access(std::string(program).c_str(), X_OK) == 0) return std::string(program);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  for (const auto& dir : split(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + std::string(program);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  UniqueFd fd(pidfd_open(pid));
  if (!fd) return false;
  // A zombie's pidfd is already readable: it has exited.
  pollfd pfd{fd.get(), POLLIN, 0};
  return ::poll(&pfd, 1, 0) == 0;
}

bool wait_for_pid_exit(pid_t pid, std::chrono::milliseconds timeout) {
  UniqueFd fd(pidfd_open(pid));
  if (!fd) return true;  // already gone
  return wait_readable(fd.get(), timeout);
}

}  // namespace vfg
