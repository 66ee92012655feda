#include "run/swtpm.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/file_io.h"
#include "util/strings.h"
#include "util/unix_socket.h"

namespace vfg {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Control channel commands of the swtpm protocol (swtpm's tpm_ioctl.h):
// CMD_INIT initialises the TPM from its state directory, which is where a
// broken or locked state shows up; QEMU sends its own CMD_INIT afterwards.
constexpr uint32_t kCmdInit = 2;
constexpr auto kStopGrace = 5s;

std::string last_lines(const fs::path& log) {
  auto text = read_file(log);
  if (!text) return {};
  std::vector<std::string> lines;
  for (auto& line : split(*text, '\n'))
    if (!trim(line).empty()) lines.push_back("    " + line);
  if (lines.size() > 10) lines.erase(lines.begin(), lines.end() - 10);
  return lines.empty() ? std::string() : fmt::format("\n{}", join(lines, "\n"));
}

/// Sends CMD_INIT and reads the 4-byte result, giving up when swtpm exits
/// (its pidfd becomes readable) or the deadline passes.
Result<uint32_t> init_over_control(const fs::path& socket, int pidfd,
                                   std::chrono::milliseconds timeout) {
  auto connected = connect_unix(socket);
  if (!connected) return tl::unexpected(connected.error());
  UniqueFd fd = std::move(*connected);
  uint32_t request[2] = {htonl(kCmdInit), 0};
  if (::send(fd.get(), request, sizeof request, MSG_NOSIGNAL) !=
      static_cast<ssize_t>(sizeof request))
    return fail("cannot talk to swtpm: {}", std::strerror(errno));
  uint32_t result = 0;
  size_t got = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got < sizeof result) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail("swtpm did not answer within {} ms", timeout.count());
    pollfd fds[2] = {{fd.get(), POLLIN, 0}, {pidfd, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("poll: {}", std::strerror(errno));
    if (fds[0].revents != 0) {
      ssize_t r = ::read(fd.get(), reinterpret_cast<char*>(&result) + got, sizeof result - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return fail("swtpm closed its control socket");
      got += static_cast<size_t>(r);
    } else if (fds[1].revents != 0) {
      return fail("swtpm exited");
    }
  }
  return ntohl(result);
}

}  // namespace

std::vector<std::string> swtpm_argv(const SwtpmOptions& options, int ctrl_fd) {
  // No --flags startup-*: the guest's firmware sends TPM2_Startup itself, as
  // on real hardware, after QEMU has initialised the TPM over this channel.
  return {options.binary,
          "socket",
          "--tpm2",
          "--tpmstate",
          fmt::format("dir={},mode=0600", options.state_dir.string()),
          "--ctrl",
          fmt::format("type=unixio,fd={}", ctrl_fd),
          "--terminate"};
}

Result<Swtpm> Swtpm::start(const SwtpmOptions& options) {
  auto program = find_program(options.binary);
  if (!program) {
    return fail(
        "tpm = true needs swtpm, which is not installed; install it (Debian/Ubuntu: sudo apt "
        "install swtpm, Fedora: sudo dnf install swtpm, Arch: sudo pacman -S swtpm) or set "
        "tpm = false");
  }
  if (auto made = make_directories(options.state_dir, 0700); !made)
    return fail(made.error(), "creating the TPM state directory");
  auto listening = listen_unix(options.socket);
  if (!listening) return fail(listening.error(), "creating the TPM socket");
  {
    // The log holds this run's messages only, so its tail is this run's error.
    UniqueFd log(::open(options.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  }

  SpawnOptions spawn_options;
  spawn_options.argv = swtpm_argv(options, listening->get());
  spawn_options.argv.front() = *program;
  spawn_options.stdout_mode = Stdio::kFile;
  spawn_options.stdout_path = options.log.string();
  spawn_options.stderr_mode = Stdio::kFile;
  spawn_options.stderr_path = options.log.string();
  spawn_options.new_session = true;
  spawn_options.keep_fds = {listening->get()};
  auto child = spawn(spawn_options);
  // swtpm owns the listening socket now; ours must go, or a dead swtpm's
  // socket would still accept connections that nobody answers.
  listening->reset();
  if (!child) {
    ::unlink(options.socket.c_str());
    return fail(child.error(), "cannot start swtpm");
  }
  Swtpm swtpm(std::move(*child), options.socket);
  auto result = init_over_control(options.socket, swtpm.child_.pidfd(), options.ready_timeout);
  if (!result || *result != 0) {
    std::string why = result ? fmt::format("it could not initialise the TPM (result {}) from '{}'",
                                           *result, options.state_dir.string())
                             : result.error().message;
    swtpm.stop();
    std::string tail = last_lines(options.log);
    return fail(
        "swtpm did not start: {}{}", why,
        tail.empty() ? "" : fmt::format("\n  last lines of {}:{}", options.log.string(), tail));
  }
  return swtpm;
}

Swtpm::Swtpm(Swtpm&& other) noexcept
    : child_(std::move(other.child_)),
      socket_(std::move(other.socket_)),
      stopped_(std::exchange(other.stopped_, true)) {}

Swtpm& Swtpm::operator=(Swtpm&& other) noexcept {
  if (this != &other) {
    stop();
    child_ = std::move(other.child_);
    socket_ = std::move(other.socket_);
    stopped_ = std::exchange(other.stopped_, true);
  }
  return *this;
}

void Swtpm::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (child_.pid() > 0) {
    // Already gone when QEMU's disconnect ended it (--terminate); else SIGTERM
    // lets it write its state, and SIGKILL ends one that hangs.
    auto exited = child_.wait_for(0ms);
    if (exited && !*exited) {
      child_.kill(SIGTERM);
      exited = child_.wait_for(kStopGrace);
      if (exited && !*exited) {
        child_.kill(SIGKILL);
        (void)child_.wait();
      }
    }
  }
  ::unlink(socket_.c_str());
}

}  // namespace vfg
