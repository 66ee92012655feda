#include "setup/journal.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/memory_file_writer.h"

namespace vfg {
namespace {

// The journal as earlier versions wrote it: the declared fields read it
// unchanged, and what they write back is the same document.
constexpr const char* kJournal = R"({
  "commands": [
    {
      "argv": ["update-grub"],
      "done": true,
      "ran": false,
      "regenerate": true,
      "undo_argv": []
    }
  ],
  "created_dirs": ["/etc/modprobe.d"],
  "files": [
    {
      "backup": "",
      "existed": false,
      "gid": 0,
      "mode": 420,
      "path": "/etc/modprobe.d/vfg-vfio.conf",
      "uid": 0,
      "written_hash": "0123456789abcdef"
    }
  ],
  "state": "applied",
  "version": 1
}
)";

TEST(Journal, ReadsAndWritesTheSameDocument) {
  testing::MemoryFileWriter writer({"/var", "/var/lib", "/var/lib/vfg"});
  writer.put("/var/lib/vfg/setup-journal", kJournal, 0600);
  auto loaded = load_journal(writer);
  ASSERT_TRUE(loaded && *loaded) << (loaded ? "" : loaded.error().message);
  const Journal& journal = **loaded;
  ASSERT_EQ(journal.files.size(), 1u);
  EXPECT_EQ(journal.files[0].mode, 0644u);
  EXPECT_EQ(journal.files[0].written_hash, "0123456789abcdef");
  ASSERT_EQ(journal.commands.size(), 1u);
  EXPECT_TRUE(journal.commands[0].regenerate);
  ASSERT_TRUE(save_journal(writer, journal));
  EXPECT_EQ(nlohmann::json::parse(writer.files.at("/var/lib/vfg/setup-journal").contents),
            nlohmann::json::parse(kJournal));
}

TEST(Journal, AMissingKeyIsDamage) {
  testing::MemoryFileWriter writer({"/var", "/var/lib", "/var/lib/vfg"});
  writer.put("/var/lib/vfg/setup-journal", R"({"state": "applied", "files": []})", 0600);
  auto loaded = load_journal(writer);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("is damaged"), std::string::npos);
}

}  // namespace
}  // namespace vfg
