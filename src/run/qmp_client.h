// A client for QEMU's machine protocol (QMP) over a UNIX stream socket:
// greeting and capability negotiation, commands matched to replies by id,
// asynchronous events queued for the caller, and a deadline on every wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "run/qmp_parser.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace vfg {

/// An asynchronous QMP event ("SHUTDOWN", "POWERDOWN", "STOP", "RESUME", ...).
struct QmpEvent {
  std::string name;
  /// The event's "data" member (an empty object when QEMU sent none).
  nlohmann::json data = nlohmann::json::object();
  /// Seconds since the epoch, from the event's "timestamp".
  double timestamp = 0;
};

/// One QMP connection. Not thread-safe; one owner drives it.
class QmpClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

  /// Connects to the socket at `path`, reads the greeting and negotiates capabilities.
  static Result<QmpClient> connect(const std::filesystem::path& path,
                                   std::chrono::milliseconds timeout = kDefaultTimeout);
  /// Takes an already connected socket (one end of a socketpair handed to QEMU)
  /// and negotiates. `watch_fd` (a pidfd) ends every wait early once readable.
  static Result<QmpClient> adopt(UniqueFd socket, std::chrono::milliseconds timeout,
                                 int watch_fd = -1);

  QmpClient(QmpClient&&) noexcept = default;
  QmpClient& operator=(QmpClient&&) noexcept = default;

  /// Runs a command and returns its "return" value. A QMP error reply becomes
  /// an Error "'cmd' failed: Class: description".
  Result<nlohmann::json> execute(std::string_view command,
                                 const nlohmann::json& arguments = nlohmann::json::object(),
                                 std::chrono::milliseconds timeout = kDefaultTimeout);

  /// The oldest queued event, if any (no I/O).
  std::optional<QmpEvent> pop_event();
  /// Waits for the event `name` (any event if empty), dropping other events
  /// that arrive first; nullopt on timeout.
  Result<std::optional<QmpEvent>> wait_for_event(std::string_view name,
                                                 std::chrono::milliseconds timeout);

  /// Reads whatever the socket holds without blocking and queues it; for
  /// callers that poll fd() themselves. Fails once the peer closed the connection.
  Status read_available();

  /// The socket, for a caller's poll().
  [[nodiscard]] int fd() const { return socket_.get(); }
  /// False once QEMU closed the connection.
  [[nodiscard]] bool connected() const { return connected_; }
  /// QEMU's greeting ({"QMP": {"version": ..., "capabilities": [...]}}).
  [[nodiscard]] const nlohmann::json& greeting() const { return greeting_; }
  /// Ends waits early when this fd becomes readable (-1: none).
  void set_watch_fd(int fd) { watch_fd_ = fd; }

 private:
  using Clock = std::chrono::steady_clock;
  explicit QmpClient(UniqueFd socket) : socket_(std::move(socket)) {}
  Status negotiate(std::chrono::milliseconds timeout);
  Status send_line(const std::string& line);
  /// Waits until the socket is readable (or the deadline / watch fd), then reads once.
  /// Returns false on timeout.
  Result<bool> read_some(Clock::time_point deadline);
  void consume(std::string_view bytes);

  UniqueFd socket_;
  qmp::LineBuffer lines_;
  nlohmann::json greeting_;
  std::deque<QmpEvent> events_;
  std::map<std::string, qmp::Message> replies_;
  std::string protocol_error_;
  uint64_t next_id_ = 1;
  int watch_fd_ = -1;
  bool connected_ = true;
};

}  // namespace vfg
