#include "util/strings.h"

#include <gtest/gtest.h>

namespace vfg {
namespace {

TEST(Strings, TrimAndSplit) {
  EXPECT_EQ(trim("  0x10de\n"), "0x10de");
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split_whitespace(" quiet  splash\tiommu=pt\n"),
            (std::vector<std::string>{"quiet", "splash", "iommu=pt"}));
  EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
}

TEST(Strings, ParsesNumbers) {
  EXPECT_EQ(parse_uint("42"), 42u);
  EXPECT_EQ(parse_uint("0x1f"), 31u);
  EXPECT_EQ(parse_hex("0x10de"), 0x10deu);
  EXPECT_EQ(parse_hex("2684"), 0x2684u);
  EXPECT_FALSE(parse_uint("12a"));
  EXPECT_FALSE(parse_uint(""));
}

TEST(Strings, ParsesSizes) {
  EXPECT_EQ(parse_size("16G"), 16ull << 30);
  EXPECT_EQ(parse_size("512MiB"), 512ull << 20);
  EXPECT_EQ(parse_size("64 M"), 64ull << 20);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("1k"), 1024u);
  EXPECT_FALSE(parse_size("16X"));
  EXPECT_FALSE(parse_size("G"));
  EXPECT_FALSE(parse_size("99999999999T"));
}

TEST(Strings, FormatsBytes) {
  EXPECT_EQ(format_bytes(16ull << 30), "16 GiB");
  EXPECT_EQ(format_bytes(1536ull << 20), "1.5 GiB");
  EXPECT_EQ(format_bytes(100), "100 B");
}

TEST(Strings, QuotesForTheShell) {
  EXPECT_EQ(shell_quote("-machine"), "-machine");
  EXPECT_EQ(shell_quote("q35,accel=kvm"), "q35,accel=kvm");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("{\"driver\":\"x\"}"), "'{\"driver\":\"x\"}'");
  EXPECT_EQ(shell_quote(""), "''");
}

TEST(Strings, SuggestsCloseMatches) {
  std::vector<std::string> keys{"memory", "cores", "threads", "hugepages"};
  EXPECT_EQ(closest_match("memroy", keys), "memory");
  EXPECT_EQ(closest_match("hugepage", keys), "hugepages");
  EXPECT_FALSE(closest_match("bootloader", keys));
}

}  // namespace
}  // namespace vfg
