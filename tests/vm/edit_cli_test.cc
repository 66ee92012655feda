// `vfg edit` end to end with an $EDITOR that is a script: a valid edit
// replaces the definition, an invalid one never does — with stdin not a
// terminal it aborts at once; on a terminal it asks and re-opens the editor.
#include <fmt/format.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/config_loader.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDefinition =
    "os = \"linux\"\n[memory]\nsize = \"4G\"\n[cpu]\ncores = 2\nthreads = 1\n";

class EditCli : public ::testing::Test {
 protected:
  void SetUp() override { file_ = home_.write("config/vfg/vm.toml", kDefinition); }

  /// An editor script; it gets the file to edit as $1.
  std::string editor(const std::string& body) const {
    fs::path script = home_.write(fmt::format("editor{}.sh", editors_++), "#!/bin/sh\n" + body);
    fs::permissions(script, fs::perms::owner_all);
    return script.string();
  }
  std::vector<std::pair<std::string, std::string>> env(const std::string& editor) const {
    return {{"HOME", home_.path().string()},
            {"XDG_CONFIG_HOME", (home_ / "config").string()},
            {"XDG_DATA_HOME", (home_ / "data").string()},
            {"XDG_RUNTIME_DIR", (home_ / "run").string()},
            {"TMPDIR", (home_ / "tmp").string()},
            {"VISUAL", ""},
            {"EDITOR", editor}};
  }
  testing::VfgRun edit(const std::string& editor) const {
    fs::create_directories(home_ / "tmp");
    return testing::run_vfg({"edit", "vm"}, env(editor));
  }
  size_t leftover_copies() const {
    size_t count = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(home_ / "tmp")) ++count;
    return count;
  }

  testing::TempDir home_;
  fs::path file_;
  mutable int editors_ = 0;
};

TEST_F(EditCli, AValidEditReplacesTheDefinition) {
  auto run = edit(editor("sed -i 's/size = \"4G\"/size = \"6G\"/' \"$1\"\n"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("updated " + file_.string()), std::string::npos) << run.out;
  auto config = load_vm_config(file_);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->memory.size, 6 * kGiB);
  EXPECT_EQ(leftover_copies(), 0u);
}

TEST_F(EditCli, VisualIsPreferredToEditor) {
  auto vars = env(editor("exit 3\n"));
  for (auto& [key, value] : vars)
    if (key == "VISUAL") value = editor("sed -i 's/cores = 2/cores = 3/' \"$1\"\n");
  fs::create_directories(home_ / "tmp");
  auto run = testing::run_vfg({"edit", "vm"}, vars);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto config = load_vm_config(file_);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->cpu.cores, 3u);
}

TEST_F(EditCli, NoChangeLeavesTheFileAlone) {
  auto run = edit(editor("true\n"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("no changes"), std::string::npos) << run.out;
  EXPECT_EQ(home_.read("config/vfg/vm.toml"), kDefinition);
}

TEST_F(EditCli, AnInvalidEditWithoutATerminalAbortsKeepingTheOriginal) {
  auto run = edit(
      editor("printf '[audio]\\nbackend = \"loud\"\\n[network]\\nmoed = \"user\"\\n' >> \"$1\"\n"));
  EXPECT_EQ(run.exit_code, 1);
  // Every error at once, with the definition's name and lines.
  EXPECT_NE(run.err.find("the edited definition has"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("has 2 errors"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("error: key 'audio.backend'"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(file_.string() + ":10:1: error: key 'network.moed'"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("is unchanged; your edited copy is kept in"), std::string::npos)
      << run.err;
  EXPECT_EQ(home_.read("config/vfg/vm.toml"), kDefinition);
}

TEST_F(EditCli, AFailingEditorChangesNothing) {
  auto run = edit(editor("echo 'os = \"other\"' > \"$1\"\nexit 3\n"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("the editor exited with status 3"), std::string::npos) << run.err;
  EXPECT_EQ(home_.read("config/vfg/vm.toml"), kDefinition);
  EXPECT_EQ(leftover_copies(), 0u);
}

// On a terminal (util-linux `script` provides one) the editor re-opens after
// errors; the second round fixes them and the result is saved.
TEST_F(EditCli, OnATerminalErrorsReopenTheEditor) {
  std::string counter = (home_ / "rounds").string();
  std::string script = editor(
      fmt::format("echo x >> {0}\n"
                  "if [ $(wc -l < {0}) -eq 1 ]; then echo 'bogus = 1' >> \"$1\"; exit 0; fi\n"
                  "sed -i '/bogus/d; s/cores = 2/cores = 3/' \"$1\"\n",
                  counter));
  fs::create_directories(home_ / "tmp");
  SpawnOptions options;
  options.argv = {"script", "-qec", fmt::format("{} edit vm", VFG_BINARY), "/dev/null"};
  for (const auto& [key, value] : env(script)) options.env.emplace_back(key, value);
  options.env.emplace_back("NO_COLOR", "1");
  auto run = run_command(options, std::chrono::minutes(2), "y\n");
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_TRUE(run->status.success()) << run->out << run->err;
  EXPECT_NE(run->out.find("edit again? [Y/n]"), std::string::npos) << run->out;
  EXPECT_EQ(home_.read("rounds"), "x\nx\n");
  auto config = load_vm_config(file_);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->cpu.cores, 3u);
  EXPECT_EQ(leftover_copies(), 0u);
}

}  // namespace
}  // namespace vfg
