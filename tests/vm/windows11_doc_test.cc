// docs/windows11.md typed as written: every ```sh block the page marks as
// tested runs, in the page's order, line by line, through a `vfg` that reads a
// copy of a fixture host (--root) and a `sudo` that just runs the command.
// The installer ISOs are empty files where the page says they are.
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/setup_tree.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMarker = "<!-- run by tests/vm/windows11_doc_test.cc";

/// The command lines of the marked blocks, continuation lines joined, comments kept
/// (the shell drops them).
std::vector<std::string> tested_commands(const std::string& page) {
  std::vector<std::string> commands;
  for (size_t at = page.find(kMarker); at != std::string::npos; at = page.find(kMarker, at + 1)) {
    size_t open = page.find("```sh\n", at);
    size_t close = page.find("\n```", open);
    if (open == std::string::npos || close == std::string::npos) break;
    std::string block = page.substr(open + 6, close - open - 6);
    std::string command;
    for (const auto& line : split(block, '\n')) {
      std::string text(line);
      bool continued = !text.empty() && text.back() == '\\';
      command += continued ? text.substr(0, text.size() - 1) : text;
      if (continued) continue;
      if (!trim(command).empty()) commands.push_back(command);
      command.clear();
    }
  }
  return commands;
}

std::string executable(const fs::path& path, const std::string& body) {
  EXPECT_TRUE(write_file_atomic(path, "#!/bin/sh\n" + body));
  fs::permissions(path, fs::perms::owner_all);
  return path.string();
}

TEST(Windows11Doc, TheStepsRunAsWrittenOnAFixtureHost) {
  auto page = read_file(testing::source_path("docs/windows11.md"));
  ASSERT_TRUE(page);
  std::vector<std::string> commands = tested_commands(*page);
  ASSERT_GE(commands.size(), 7u) << "the page lost its tested steps";

  testing::TempDir temp;
  // Two identical cards on the nvidia driver, the first the boot display, on
  // Ubuntu with GRUB: setup has a card to bind (by address) and a boot loader.
  testing::ScratchDir host;
  testing::compose_host(host, "ubuntu-grub", "two-identical-gpus");
  const fs::path& root = host.path();
  // The fixture holds hardware; the firmware `vfg args` looks up is this machine's.
  for (const char* dir : {"usr/share/qemu/firmware", "usr/share/OVMF"}) {
    fs::create_directories(root / dir);
    fs::copy(fs::path("/") / dir, root / dir,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks |
                 fs::copy_options::overwrite_existing);
  }
  fs::path home = temp / "home";
  temp.write("home/Downloads/Win11_24H2_English_x64.iso", "iso");
  temp.write("home/Downloads/virtio-win.iso", "iso");
  fs::create_directories(temp / "bin");
  executable(temp / "bin/vfg",
             fmt::format("exec '{}' --root '{}' \"$@\"\n", VFG_BINARY, root.string()));
  executable(temp / "bin/sudo", "exec \"$@\"\n");
  const char* path = std::getenv("PATH");
  std::vector<std::pair<std::string, std::optional<std::string>>> env = {
      {"HOME", home.string()},
      {"XDG_CONFIG_HOME", (home / ".config").string()},
      {"XDG_DATA_HOME", (home / ".local/share").string()},
      {"XDG_RUNTIME_DIR", (temp / "run").string()},
      {"PATH", (temp / "bin").string() + ":" + (path != nullptr ? path : "/usr/bin:/bin")},
      {"NO_COLOR", "1"},
      {"SUDO_USER", std::nullopt}};

  std::string transcript;
  for (const auto& command : commands) {
    SpawnOptions options;
    options.argv = {"sh", "-c", command};
    options.env = env;
    auto run = run_command(std::move(options), std::chrono::minutes(3));
    ASSERT_TRUE(run) << run.error().message;
    transcript +=
        fmt::format("$ {}\n{}{}[exit {}]\n", command, run->out, run->err, run->status.code);
    // `vfg check` reports what this fixture lacks (no reboot happened, no KVM)
    // with exit status 1 or 2; anything else must succeed.
    bool check = command.rfind("vfg check", 0) == 0;
    int worst = check ? 2 : 0;
    EXPECT_TRUE(run->status.signal == 0 && run->status.code <= worst) << transcript;
    EXPECT_EQ(run->err.find("vfg: error"), std::string::npos) << transcript;
  }
  // What the page promised happened: the VM exists with the second card, and
  // setup bound that card to vfio-pci in the host's files.
  EXPECT_TRUE(fs::exists(home / ".config/vfg/win11.toml")) << transcript;
  auto vfio = read_file(root / "etc/modprobe.d/vfg-vfio.conf");
  ASSERT_TRUE(vfio) << transcript;
  EXPECT_NE(vfio->find("0000:0b:00.0"), std::string::npos) << *vfio;
  // And the tool's own "next:" names the same order as the page.
  size_t setup = transcript.find("  vfg setup win11 ");
  size_t check = transcript.find("  vfg check win11");
  EXPECT_TRUE(setup != std::string::npos && check != std::string::npos && setup < check)
      << transcript;
}

}  // namespace
}  // namespace vfg
