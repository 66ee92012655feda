// The loader's bounds: what it reads (regular files, at most 1 MiB) and how
// deep a definition may nest, each refused with a message, never a hang or a
// stack overflow.
#include <string>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "vm/config_loader.h"

namespace vfg {
namespace {

std::string problems(const std::string& text) {
  return parse_vm_config(text, "vm.toml", "vm").diagnostics.render();
}

TEST(ConfigBounds, ADeepDottedKeyIsRefusedWithItsPosition) {
  std::string key = "a";
  for (int i = 0; i < 20000; ++i) key += ".a";
  std::string text = "os = \"linux\"\n" + key + " = 1\n";
  EXPECT_NE(problems(text).find("vm.toml:2:"), std::string::npos) << problems(text);
  EXPECT_NE(problems(text).find("nest more than 32 levels deep"), std::string::npos);
}

TEST(ConfigBounds, DeepTablesAndArraysAreRefused) {
  EXPECT_NE(problems("x = " + std::string(5000, '[') + std::string(5000, ']') + "\n")
                .find("nest more than 32 levels deep"),
            std::string::npos);
  std::string header = "[t";
  for (int i = 0; i < 100; ++i) header += ".t";
  EXPECT_NE(problems(header + "]\n").find("nest more than 32 levels deep"), std::string::npos);
}

TEST(ConfigBounds, DotsInStringsCommentsAndNumbersDoNotCount) {
  std::string dots(200, '.');
  std::string text = "# " + dots + "\nextra_args = [\"" + dots + "\", '" + dots + "', \"\"\"\n" +
                     dots + "\n\"\"\"]\nstop_timeout = 30\n[memory]\nsize = \"1.5G\"\n";
  EXPECT_EQ(problems(text).find("nest more than"), std::string::npos) << problems(text);
}

TEST(ConfigBounds, ReadsOnlyRegularFiles) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo.toml").c_str(), 0600), 0);
  auto fifo = load_vm_config(dir / "fifo.toml");
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message.find("is not a regular file"), std::string::npos)
      << fifo.error().message;
  auto device = load_vm_config("/dev/zero");
  ASSERT_FALSE(device);
  EXPECT_NE(device.error().message.find("is not a regular file"), std::string::npos);
}

TEST(ConfigBounds, RefusesADefinitionOverOneMebibyte) {
  testing::TempDir dir;
  auto file = dir.write("big.toml", "# " + std::string(2 << 20, 'x') + "\n");
  auto big = load_vm_config(file);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("is larger than 1048576 bytes"), std::string::npos)
      << big.error().message;
}

}  // namespace
}  // namespace vfg
