#include "run/qmp_parser.h"

#include <random>

#include <gtest/gtest.h>

namespace vfg::qmp {
namespace {

TEST(QmpParser, ClassifiesEveryKindOfLine) {
  EXPECT_EQ(parse_message(R"({"QMP": {"version": {}, "capabilities": ["oob"]}})").kind,
            MessageKind::kGreeting);
  Message ret = parse_message(R"({"return": {"status": "running"}, "id": "vfg-3"})");
  EXPECT_EQ(ret.kind, MessageKind::kReturn);
  ASSERT_TRUE(ret.id.has_value());
  EXPECT_EQ(*ret.id, "vfg-3");
  Message error =
      parse_message(R"({"error": {"class": "CommandNotFound", "desc": "no such"}, "id": "x"})");
  EXPECT_EQ(error.kind, MessageKind::kError);
  EXPECT_EQ(error.name, "CommandNotFound");
  EXPECT_EQ(error.description, "no such");
  Message event = parse_message(
      R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}})");
  EXPECT_EQ(event.kind, MessageKind::kEvent);
  EXPECT_EQ(event.name, "SHUTDOWN");
  EXPECT_EQ(parse_message("{\"retur").kind, MessageKind::kInvalid);
  EXPECT_EQ(parse_message("[1,2]").kind, MessageKind::kInvalid);
  EXPECT_EQ(parse_message(R"({"something": 1})").kind, MessageKind::kInvalid);
  EXPECT_EQ(parse_message(R"({"error": 5})").name, "GenericError");
}

TEST(QmpParser, LineBufferJoinsPartialReads) {
  LineBuffer buffer;
  buffer.feed("{\"a\":");
  EXPECT_FALSE(buffer.next_line());
  buffer.feed("1}\r\n{\"b\"");
  EXPECT_EQ(buffer.next_line(), "{\"a\":1}");
  EXPECT_FALSE(buffer.next_line());
  buffer.feed(":2}\n\n");
  EXPECT_EQ(buffer.next_line(), "{\"b\":2}");
  EXPECT_EQ(buffer.next_line(), "");
  EXPECT_FALSE(buffer.next_line());
  EXPECT_EQ(buffer.pending(), 0U);
}

TEST(QmpParser, LineBufferStopsAtTheLimit) {
  LineBuffer buffer(16);
  buffer.feed(std::string(40, 'x'));
  EXPECT_FALSE(buffer.next_line());
  EXPECT_TRUE(buffer.overflowed());
  buffer.feed("{}\n");
  EXPECT_FALSE(buffer.next_line());
}

// Random bytes, truncated real messages and split points: nothing may crash,
// and every complete line must come back byte for byte.
TEST(QmpParser, SurvivesRandomAndTruncatedInput) {
  const std::vector<std::string> samples = {
      R"({"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}})",
      R"({"return": {}, "id": "vfg-1"})",
      R"({"error": {"class": "GenericError", "desc": "Parameter 'x' is missing"}, "id": "vfg-2"})",
      R"({"timestamp": {"seconds": 1795502803, "microseconds": 574817}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}})",
  };
  std::mt19937 random(1234);
  for (int round = 0; round < 3000; ++round) {
    std::string stream;
    int parts = 1 + static_cast<int>(random() % 6);
    for (int i = 0; i < parts; ++i) {
      switch (random() % 4) {
        case 0: {  // random bytes, including NULs and newlines
          size_t size = random() % 64;
          for (size_t j = 0; j < size; ++j) stream.push_back(static_cast<char>(random() % 256));
          break;
        }
        case 1: {  // a truncated message
          const std::string& sample = samples[random() % samples.size()];
          stream += sample.substr(0, random() % sample.size());
          stream += "\r\n";
          break;
        }
        case 2: {  // a message with one byte flipped
          std::string sample = samples[random() % samples.size()];
          sample[random() % sample.size()] = static_cast<char>(random() % 256);
          stream += sample + "\n";
          break;
        }
        default:
          stream += samples[random() % samples.size()] + "\r\n";
      }
    }
    LineBuffer buffer(1024);
    size_t position = 0;
    size_t newlines = 0;
    for (char c : stream) newlines += (c == '\n');
    size_t lines = 0;
    while (position < stream.size()) {
      size_t chunk = 1 + random() % 17;
      buffer.feed(std::string_view(stream).substr(position, chunk));
      position += chunk;
      while (auto line = buffer.next_line()) {
        ++lines;
        Message message = parse_message(*line);
        if (message.kind == MessageKind::kInvalid) {
          EXPECT_FALSE(message.name.empty());
        }
      }
    }
    EXPECT_EQ(lines, newlines);
  }
}

}  // namespace
}  // namespace vfg::qmp
