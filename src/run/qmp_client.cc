#include "run/qmp_client.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace vfg {

using nlohmann::json;

namespace {

// A bound on queued events: a client that never looks at them must not grow forever.
constexpr size_t kMaxQueuedEvents = 256;

std::chrono::milliseconds left_until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? std::chrono::milliseconds(0) : left;
}

QmpEvent to_event(const qmp::Message& message) {
  QmpEvent event;
  event.name = message.name;
  if (auto data = message.body.find("data"); data != message.body.end() && data->is_object())
    event.data = *data;
  if (auto stamp = message.body.find("timestamp"); stamp != message.body.end()) {
    double seconds = stamp->value("seconds", 0.0);
    double micros = stamp->value("microseconds", 0.0);
    event.timestamp = seconds + micros / 1e6;
  }
  return event;
}

}  // namespace

Result<QmpClient> QmpClient::connect(const std::filesystem::path& path,
                                     std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string& text = path.native();
  if (text.size() >= sizeof address.sun_path)
    return fail("QMP socket path '{}' is too long for a UNIX socket", text);
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket) return fail("socket: {}", std::strerror(errno));
  int rc;
  while ((rc = ::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address)) <
             0 &&
         errno == EINTR) {
  }
  if (rc < 0) return fail("cannot connect to QMP socket '{}': {}", text, std::strerror(errno));
  return adopt(std::move(socket), timeout);
}

Result<QmpClient> QmpClient::adopt(UniqueFd socket, std::chrono::milliseconds timeout,
                                   int watch_fd) {
  // Non-blocking so a read never waits past a deadline; waits happen in poll().
  int flags = ::fcntl(socket.get(), F_GETFL);
  if (flags < 0 || ::fcntl(socket.get(), F_SETFL, flags | O_NONBLOCK) < 0)
    return fail("fcntl: {}", std::strerror(errno));
  QmpClient client(std::move(socket));
  client.watch_fd_ = watch_fd;
  if (auto negotiated = client.negotiate(timeout); !negotiated)
    return tl::unexpected(negotiated.error());
  return client;
}

Status QmpClient::negotiate(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (greeting_.is_null()) {
    auto got = read_some(deadline);
    if (!got) return fail(got.error(), "waiting for the QMP greeting");
    if (!*got) return fail("no QMP greeting within {} ms", timeout.count());
  }
  auto negotiated = execute("qmp_capabilities", json::object(), left_until(deadline));
  if (!negotiated) return tl::unexpected(negotiated.error());
  return ok();
}

Status QmpClient::send_line(const std::string& line) {
  std::string_view data = line;
  while (!data.empty()) {
    ssize_t n = ::send(socket_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{socket_.get(), POLLOUT, 0};
      ::poll(&pfd, 1, 1000);
      continue;
    }
    if (n < 0) {
      connected_ = false;
      if (errno == EPIPE || errno == ECONNRESET) return fail("QEMU closed the QMP connection");
      return fail("QMP connection lost: {}", std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ok();
}

void QmpClient::consume(std::string_view bytes) {
  lines_.feed(bytes);
  while (auto line = lines_.next_line()) {
    if (line->empty()) continue;
    qmp::Message message = qmp::parse_message(*line);
    switch (message.kind) {
      case qmp::MessageKind::kGreeting:
        greeting_ = message.body["QMP"];
        break;
      case qmp::MessageKind::kEvent:
        if (events_.size() == kMaxQueuedEvents) events_.pop_front();
        events_.push_back(to_event(message));
        break;
      case qmp::MessageKind::kReturn:
      case qmp::MessageKind::kError:
        // Replies without one of our ids (or to a command that already timed out) are dropped.
        if (message.id && message.id->is_string()) {
          std::string id = message.id->get<std::string>();
          replies_[id] = std::move(message);
        }
        break;
      case qmp::MessageKind::kInvalid:
        protocol_error_ = fmt::format("QEMU sent a line that is {}: {:.80}", message.name, *line);
        break;
    }
  }
  if (lines_.overflowed()) protocol_error_ = "QEMU sent an over-long QMP line";
}

Status QmpClient::read_available() {
  char buffer[16384];
  while (connected_) {
    ssize_t n = ::recv(socket_.get(), buffer, sizeof buffer, 0);
    if (n > 0) {
      consume(std::string_view(buffer, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    connected_ = false;
    if (n < 0 && errno != ECONNRESET) return fail("QMP connection lost: {}", std::strerror(errno));
  }
  if (!protocol_error_.empty()) {
    std::string error = std::move(protocol_error_);
    protocol_error_.clear();
    return fail("{}", error);
  }
  if (!connected_) return fail("QEMU closed the QMP connection");
  return ok();
}

Result<bool> QmpClient::read_some(Clock::time_point deadline) {
  if (!connected_) return fail("QEMU closed the QMP connection");
  pollfd fds[2] = {{socket_.get(), POLLIN, 0}, {watch_fd_, POLLIN, 0}};
  nfds_t count = watch_fd_ >= 0 ? 2 : 1;
  while (true) {
    int n = ::poll(fds, count, static_cast<int>(left_until(deadline).count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("poll: {}", std::strerror(errno));
    if (n == 0) return false;
    break;
  }
  if (fds[0].revents != 0) {
    auto status = read_available();
    if (!status) return tl::unexpected(status.error());
    return true;
  }
  // Only the watched process ended: whatever it wrote before dying is still
  // worth reading, but the wait is over.
  (void)read_available();
  return fail("QEMU exited");
}

Result<json> QmpClient::execute(std::string_view command, const json& arguments,
                                std::chrono::milliseconds timeout) {
  std::string id = fmt::format("vfg-{}", next_id_++);
  json request = {{"execute", command}, {"id", id}};
  if (!arguments.empty()) request["arguments"] = arguments;
  // QEMU may exit before its reply to `quit` is written or read: a connection
  // that closes after a quit was sent is that quit succeeding.
  bool quitting = command == "quit";
  if (auto sent = send_line(request.dump() + "\n"); !sent) {
    if (quitting && !connected_) return json::object();
    return fail(sent.error(), command);
  }
  auto deadline = Clock::now() + timeout;
  std::optional<Error> lost;
  while (true) {
    if (auto found = replies_.find(id); found != replies_.end()) {
      qmp::Message reply = std::move(found->second);
      replies_.erase(found);
      if (reply.kind == qmp::MessageKind::kError) {
        return fail("QMP '{}' failed: {}: {}", command, reply.name, reply.description);
      }
      return reply.body["return"];
    }
    if (lost) {
      if (quitting && !connected_) return json::object();
      return fail(*lost, fmt::format("QMP '{}'", command));
    }
    // A read that ends in an error may still have delivered the reply: look
    // at the replies once more before giving up.
    auto got = read_some(deadline);
    if (!got)
      lost = got.error();
    else if (!*got)
      return fail("QMP '{}': no reply within {} ms", command, timeout.count());
  }
}

std::optional<QmpEvent> QmpClient::pop_event() {
  if (events_.empty()) return std::nullopt;
  QmpEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

Result<std::optional<QmpEvent>> QmpClient::wait_for_event(std::string_view name,
                                                          std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    while (auto event = pop_event()) {
      if (name.empty() || event->name == name) return event;
    }
    auto got = read_some(deadline);
    if (!got) {
      // Events that arrived with the closing read still count.
      while (auto event = pop_event()) {
        if (name.empty() || event->name == name) return event;
      }
      return tl::unexpected(got.error());
    }
    if (!*got) return std::optional<QmpEvent>();
  }
}

}  // namespace vfg
