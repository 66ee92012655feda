#include "setup/diff.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "util/process.h"

namespace vfg {
namespace {

// GNU patch must turn the old file into the new one with our diff.
void expect_patch_applies(const std::optional<std::string>& before, const std::string& after) {
  testing::TempDir dir;
  if (before) dir.write("a/etc/x.conf", *before);
  std::string diff = unified_diff("/etc/x.conf", before, after);
  dir.write("change.diff", diff);
  dir.mkdir("b/etc");
  if (before) dir.write("b/etc/x.conf", *before);
  auto out = run_command(
      {"patch", "-s", "-p1", "-d", (dir / "b").string(), "-i", (dir / "change.diff").string()});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->status.success()) << out->out << out->err << diff;
  EXPECT_EQ(dir.read("b/etc/x.conf"), after) << diff;
}

TEST(UnifiedDiff, MatchesDiffUFormat) {
  EXPECT_EQ(unified_diff("/etc/x", std::string("a\nb\nc\n"), std::string("a\nB\nc\n")),
            "--- a/etc/x\n+++ b/etc/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  EXPECT_EQ(unified_diff("/etc/new", std::nullopt, std::string("x\n")),
            "--- /dev/null\n+++ b/etc/new\n@@ -0,0 +1 @@\n+x\n");
  EXPECT_EQ(unified_diff("/etc/x", std::string("same\n"), std::string("same\n")), "");
}

TEST(UnifiedDiff, PatchReproducesTheNewFile) {
  std::string long_file;
  for (int i = 0; i < 40; ++i) long_file += "line " + std::to_string(i) + "\n";
  std::string changed = long_file;
  changed.replace(changed.find("line 3\n"), 7, "line three\n");
  changed.replace(changed.find("line 30\n"), 8, "");
  changed += "appended\n";
  expect_patch_applies(long_file, changed);
  expect_patch_applies(std::nullopt, "new\nfile\n");
  expect_patch_applies(std::string("no newline"), "no newline\nnow two lines\n");
  expect_patch_applies(std::string("a\nb\n"), "a\nb\nc");
}

}  // namespace
}  // namespace vfg
