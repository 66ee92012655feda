#include "run/launcher.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <paths.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/supervisor.h"

namespace vfg {

using nlohmann::json;

namespace {

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(buffer, static_cast<size_t>(n));
  }
}

// The supervisor keeps only what it uses: stdio goes to /dev/null (a caller
// capturing our output must see EOF when `vfg start` exits), and every other
// inherited descriptor but `keep` is closed.
void detach_from_caller(std::vector<int> keep) {
  ::setsid();
  int null = ::open(_PATH_DEVNULL, O_RDWR);
  if (null >= 0) {
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    if (null > 2) ::close(null);
  }
  std::sort(keep.begin(), keep.end());
  unsigned first = 3;
  for (int fd : keep) {
    if (fd < static_cast<int>(first)) continue;
    if (static_cast<unsigned>(fd) > first)
      ::syscall(SYS_close_range, first, static_cast<unsigned>(fd) - 1, 0U);
    first = static_cast<unsigned>(fd) + 1;
  }
  ::syscall(SYS_close_range, first, ~0U, 0U);
}

}  // namespace

Result<LaunchInfo> start_detached(LaunchRequest request) {
  auto supervisor = Supervisor::prepare(std::move(request));
  if (!supervisor) return tl::unexpected(supervisor.error());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail("pipe: {}", std::strerror(errno));
  UniqueFd report_read(fds[0]), report_write(fds[1]);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fail("fork: {}", std::strerror(errno));
  if (pid == 0) {
    // The supervisor. It never returns into the caller's code.
    report_read.reset();
    detach_from_caller({supervisor->lock_fd(), report_write.get()});
    Result<LaunchInfo> info = supervisor->adopt().and_then([&] { return supervisor->launch(); });
    json reply;
    if (info) {
      reply = {{"ok", true},
               {"qemu_pid", info->qemu_pid},
               {"supervisor_pid", info->supervisor_pid},
               {"notes", info->notes}};
    } else {
      reply = {{"ok", false}, {"error", info.error().message}};
    }
    write_all(report_write.get(), reply.dump());
    report_write.reset();
    if (!info) ::_exit(1);
    (void)supervisor->supervise();
    ::_exit(0);
  }
  // The lock now belongs to the supervisor (and later QEMU).
  supervisor->drop_lock();
  report_write.reset();
  std::string text = read_all(report_read.get());
  json reply = json::parse(text, nullptr, false);
  if (reply.is_discarded() || !reply.is_object() || !reply.value("ok", false)) {
    int raw = 0;
    while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
    }
    if (reply.is_object() && reply.contains("error"))
      return fail("{}", reply.value("error", std::string()));
    return fail("the supervisor ended before the VM started (wait status {})", raw);
  }
  LaunchInfo info;
  info.qemu_pid = reply.value("qemu_pid", 0);
  info.supervisor_pid = reply.value("supervisor_pid", 0);
  info.notes = reply.value("notes", std::vector<std::string>{});
  return info;
}

Result<VmExit> run_foreground(LaunchRequest request, const ForegroundHooks& hooks) {
  auto supervisor = Supervisor::prepare(std::move(request));
  if (!supervisor) return tl::unexpected(supervisor.error());
  supervisor->on_progress = hooks.on_progress;
  if (auto adopted = supervisor->adopt(); !adopted) return tl::unexpected(adopted.error());
  auto info = supervisor->launch();
  if (!info) return tl::unexpected(info.error());
  if (hooks.on_running) hooks.on_running(*info);
  return supervisor->supervise();
}

}  // namespace vfg
