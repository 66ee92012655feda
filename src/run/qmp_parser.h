// The QMP wire format: QEMU writes one JSON object per line ("\r\n"
// terminated). These pieces are pure so the parser can be fed arbitrary,
// truncated or hostile input in tests without a socket.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vfg::qmp {

/// What a line from QEMU turned out to be.
enum class MessageKind {
  kGreeting,  ///< {"QMP": {...}} sent once on connect
  kReturn,    ///< {"return": ..., "id": ...}
  kError,     ///< {"error": {"class": ..., "desc": ...}, "id": ...}
  kEvent,     ///< {"event": NAME, "data": {...}, "timestamp": {...}}
  kInvalid,   ///< not JSON, or JSON that is none of the above
};

/// One decoded line.
struct Message {
  MessageKind kind = MessageKind::kInvalid;
  /// The whole object (or null for kInvalid).
  nlohmann::json body;
  /// The "id" member of a reply, when present.
  std::optional<nlohmann::json> id;
  /// For kEvent: the event name; for kError: the error class; for kInvalid: why.
  std::string name;
  /// For kError: QEMU's human-readable description.
  std::string description;
};

/// Decodes one line. Never throws and never fails: anything odd is kInvalid.
Message parse_message(std::string_view line);

/// Splits a byte stream into lines, tolerating reads that end mid-line and
/// "\r\n" or "\n" endings. Lines longer than `max_line` are reported once as
/// an overflow and discarded, so a runaway peer cannot make us grow without bound.
class LineBuffer {
 public:
  explicit LineBuffer(size_t max_line = size_t{16} << 20) : max_line_(max_line) {}

  /// Appends bytes as they came off the socket.
  void feed(std::string_view bytes);
  /// The next complete line without its terminator, or nullopt if none is complete yet.
  std::optional<std::string> next_line();
  /// True once a line exceeded the limit (the stream is then unusable).
  [[nodiscard]] bool overflowed() const { return overflowed_; }
  /// Bytes held that do not yet form a complete line.
  [[nodiscard]] size_t pending() const { return buffer_.size() - start_; }

 private:
  std::string buffer_;
  size_t start_ = 0;
  size_t max_line_;
  bool overflowed_ = false;
};

}  // namespace vfg::qmp
