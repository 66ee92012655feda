#include "util/json_record.h"

#include <string>

#include <gtest/gtest.h>

namespace vfg {
namespace {

TEST(JsonRecord, KeepsARecordOfWholeNumbersStringsAndBools) {
  auto doc = parse_json_record(R"({"pid": 42, "ticks": 18446744073709551615, "ok": true,
                                   "cards": ["0000:01:00.0"], "nested": {"n": -3}})");
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["pid"], 42);
  EXPECT_EQ(doc["nested"]["n"], -3);
}

TEST(JsonRecord, RefusesAFloatAtAnyDepth) {
  EXPECT_TRUE(parse_json_record(R"({"ticks": 1.2e25})").is_discarded());
  EXPECT_TRUE(parse_json_record(R"({"a": [{"b": [0.5]}]})").is_discarded());
  EXPECT_TRUE(parse_json_record("3.0").is_discarded());
}

TEST(JsonRecord, RefusesWhatIsNotJson) {
  EXPECT_TRUE(parse_json_record("").is_discarded());
  EXPECT_TRUE(parse_json_record("{\"a\": ").is_discarded());
}

TEST(JsonRecord, WalksDeepNestingWithoutRecursing) {
  std::string deep = std::string(20000, '[') + "1.5" + std::string(20000, ']');
  EXPECT_TRUE(parse_json_record(deep).is_discarded());
}

}  // namespace
}  // namespace vfg
