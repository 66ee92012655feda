#include "host/passwd.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

TEST(Passwd, ParsesWellFormedLinesAndSkipsTheRest) {
  auto entries = parse_passwd(
      "root:x:0:0:root:/root:/bin/bash\n"
      "# a comment\n"
      "broken:x:abc:100::/:/bin/sh\n"
      ":x:5:5::/:/bin/sh\n"
      "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].name, "alice");
  EXPECT_EQ(entries[1].uid, 1000u);
  EXPECT_EQ(entries[1].gid, 1000u);
}

TEST(Passwd, LooksUpByIdAndByNameInATree) {
  testing::TempDir tree;
  tree.write("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1001::/home/alice:/bin/sh\n");
  HostRoot root(tree.path());
  EXPECT_EQ(user_name_of(root, 1000), "alice");
  EXPECT_EQ(user_name_of(root, 4242), "4242");
  auto alice = account_by_name(root, "alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->gid, 1001u);
  EXPECT_FALSE(account_by_name(root, "bob"));
}

}  // namespace
}  // namespace vfg
