#include "run/guest_agent.h"

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "util/poll_wait.h"
#include "util/unix_socket.h"

namespace vfg {

namespace {

using Clock = std::chrono::steady_clock;

bool send_line(int fd, const std::string& line) {
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

/// Reads lines until one is the reply to guest-sync `id`, or the deadline.
bool wait_for_sync(int fd, uint32_t id, Clock::time_point deadline) {
  std::string buffer;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !wait_readable(fd, left)) return false;
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    for (size_t end = buffer.find('\n'); end != std::string::npos; end = buffer.find('\n')) {
      auto reply = nlohmann::json::parse(buffer.substr(0, end), nullptr, false);
      buffer.erase(0, end + 1);
      if (reply.is_object() && reply.contains("return") && reply["return"] == id) return true;
    }
  }
}

}  // namespace

Result<bool> guest_agent_shutdown(const std::filesystem::path& socket,
                                  std::chrono::milliseconds timeout) {
  auto connection = connect_unix(socket);
  if (!connection) return tl::unexpected(connection.error());
  int fd = connection->get();
  uint32_t id = std::random_device{}() & 0x7fffffff;
  // 0xff first makes a half-read earlier command fail instead of swallowing ours.
  if (!send_line(
          fd, fmt::format("\xff{{\"execute\":\"guest-sync\",\"arguments\":{{\"id\":{}}}}}\n", id)))
    return fail("writing to the guest agent socket {}: {}", socket.string(), std::strerror(errno));
  if (!wait_for_sync(fd, id, Clock::now() + timeout)) return false;
  // guest-shutdown sends no reply on success: the guest is going down.
  if (!send_line(fd, "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":\"powerdown\"}}\n"))
    return fail("writing to the guest agent socket {}: {}", socket.string(), std::strerror(errno));
  return true;
}

}  // namespace vfg
