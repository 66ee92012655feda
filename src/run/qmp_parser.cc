#include "run/qmp_parser.h"

namespace vfg::qmp {

using nlohmann::json;

Message parse_message(std::string_view line) {
  Message message;
  // No exceptions: a malformed line from a peer is data, not a program error.
  json body = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    message.name = "not valid JSON";
    return message;
  }
  if (!body.is_object()) {
    message.name = "not a JSON object";
    return message;
  }
  if (auto id = body.find("id"); id != body.end()) message.id = *id;
  if (body.contains("QMP")) {
    message.kind = MessageKind::kGreeting;
  } else if (body.contains("return")) {
    message.kind = MessageKind::kReturn;
  } else if (auto error = body.find("error"); error != body.end()) {
    message.kind = MessageKind::kError;
    message.name = "GenericError";
    if (error->is_object()) {
      auto cls = error->find("class");
      auto desc = error->find("desc");
      if (cls != error->end() && cls->is_string()) message.name = cls->get<std::string>();
      if (desc != error->end() && desc->is_string()) message.description = desc->get<std::string>();
    }
  } else if (auto event = body.find("event"); event != body.end() && event->is_string()) {
    message.kind = MessageKind::kEvent;
    message.name = event->get<std::string>();
  } else {
    message.name = "not a QMP message";
  }
  message.body = std::move(body);
  return message;
}

void LineBuffer::feed(std::string_view bytes) {
  if (overflowed_) return;
  // Compact lazily: only move the tail down once the consumed prefix dominates.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<std::string> LineBuffer::next_line() {
  if (overflowed_) return std::nullopt;
  size_t end = buffer_.find('\n', start_);
  if (end == std::string::npos) {
    if (pending() > max_line_) {
      overflowed_ = true;
      buffer_.clear();
      start_ = 0;
    }
    return std::nullopt;
  }
  if (end - start_ > max_line_) {
    overflowed_ = true;
    buffer_.clear();
    start_ = 0;
    return std::nullopt;
  }
  size_t line_end = end;
  if (line_end > start_ && buffer_[line_end - 1] == '\r') --line_end;
  std::string line = buffer_.substr(start_, line_end - start_);
  start_ = end + 1;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  return line;
}

}  // namespace vfg::qmp
