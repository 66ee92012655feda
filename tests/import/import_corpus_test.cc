// `vfg import` over a corpus of launch scripts and libvirt domains modelled on
// public ones (each fixture names its source and the fixture host it is
// imported on). For each: the definition, the import report and the --check
// report are compared with committed files under tests/fixtures/import/golden/
// (VFG_UPDATE_GOLDEN=1 rewrites them); the definition must load, and --check
// must give its report on every entry, with nothing lost but what the entry's
// header declares vfg cannot express.
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "util/unique_fd.h"
#include "vm/config_loader.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

/// The fixture host a source names in its header ("host: NAME").
std::string host_of(const std::string& text) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex("host: ([a-z0-9-]+)"))) return match[1];
  return "";
}

/// What a source's header says the check finds lost ("lost: DEVICE PROPERTY" lines): what
/// vfg has no way to express, named so that anything else lost fails the test.
std::vector<std::string> declared_lost(const std::string& text) {
  std::vector<std::string> lost;
  std::regex line("lost: ([^\n]+?)( -->)?\n");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator();
       ++it)
    lost.push_back((*it)[1]);
  return lost;
}

/// The "LOST" lines of a check report, by what they name.
std::vector<std::string> reported_lost(const std::string& report) {
  std::vector<std::string> lost;
  std::regex line("\nLOST +([^\n]+?): ");
  std::string text = "\n" + report;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator();
       ++it)
    lost.push_back((*it)[1]);
  return lost;
}

struct VfgResult {
  int code = -1;
  std::string out;
  std::string err;
};

class ImportCorpus : public ::testing::TestWithParam<std::string> {
 protected:
  ImportCorpus() {
    // The embedded libvirt driver refuses root without the libvirt-qemu user,
    // so as root the commands run as nobody, in a home nobody can write.
    ::chmod(home_.path().c_str(), 0777);
  }

  VfgResult vfg(const std::vector<std::string>& args, const std::string& path = "") const {
    SpawnOptions options;
    if (::geteuid() == 0)
      options.argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    options.argv.push_back(VFG_BINARY);
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.env = {{"NO_COLOR", "1"},
                   {"HOME", "/home/alice"},
                   {"USER", "alice"},
                   {"XDG_CONFIG_HOME", (home_ / "config").string()},
                   {"XDG_DATA_HOME", (home_ / "data").string()},
                   {"XDG_CACHE_HOME", (home_ / "cache").string()},
                   {"XDG_RUNTIME_DIR", (home_ / "run").string()}};
    if (!path.empty()) options.env.emplace_back("PATH", path);
    auto output = run_command(std::move(options), std::chrono::minutes(2));
    VfgResult run;
    if (!output) {
      run.err = output.error().message;
      return run;
    }
    run.code = output->status.code;
    run.out = portable(output->out);
    run.err = portable(output->err);
    return run;
  }

  /// The text with the temporary home and the checkout's path replaced, so
  /// the golden files hold from any checkout.
  std::string portable(const std::string& text) const {
    std::string out =
        replace_all(replace_all(text, home_.path().string(), "$TMP"), VFG_SOURCE_DIR, "$SRC");
    // What virsh makes up per run: its scratch root, and a uuid for a domain without one.
    out = std::regex_replace(out, std::regex("/tmp/vfg-virsh-[A-Za-z0-9]{6}"), "$$VIRSH");
    return std::regex_replace(out, std::regex("-uuid value: [0-9a-f-]{36}"), "-uuid value: $$UUID");
  }

  void expect_golden(const std::string& name, const std::string& text) const {
    std::string file = testing::source_path("tests/fixtures/import/golden/" + name);
    if (std::getenv("VFG_UPDATE_GOLDEN") != nullptr) {
      ASSERT_TRUE(write_file_atomic(file, text)) << file;
    }
    EXPECT_EQ(text, read_file(file).value_or("(missing " + file + ")")) << name;
  }

  /// The home's directories, and the user's sound server listening in it, as vfg looks for
  /// it when it plans the command line.
  void make_home() {
    for (auto dir : {"config", "data", "cache", "run", "run/pulse"}) {
      fs::create_directories(home_ / dir);
      ::chmod((home_ / dir).c_str(), 0777);
    }
    server_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string socket_path = (home_ / "run/pulse/native").string();
    ASSERT_LT(socket_path.size(), sizeof(address.sun_path));
    std::copy(socket_path.begin(), socket_path.end(), address.sun_path);
    ASSERT_EQ(::bind(server_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    // Listening, as a live server does: vfg connects to tell a live one from a stale file.
    ASSERT_EQ(::listen(server_.get(), 16), 0);
    ::chmod(socket_path.c_str(), 0666);
  }

  testing::TempDir home_;
  UniqueFd server_;
};

TEST_P(ImportCorpus, ImportsValidlyAndLosesNothing) {
  auto text = read_file(testing::source_path("tests/fixtures/import/" + GetParam()));
  ASSERT_TRUE(text) << GetParam();
  // Imported from a copy in the temporary home: a script's relative paths resolve from its
  // directory, and the reports list disks by path, so a copy under the checkout would put
  // them in an order that depends on where the checkout is.
  const std::string source = home_.write("corpus/" + GetParam(), *text).string();
  std::string host = host_of(*text);
  ASSERT_FALSE(host.empty()) << source << " names no fixture host";
  std::string root = testing::source_path("tests/fixtures/hosts/" + host);
  std::string name = fs::path(GetParam()).stem().string();
  make_home();

  VfgResult imported = vfg({"--root", root, "import", name, source});
  ASSERT_EQ(imported.code, 0) << imported.err << imported.out;
  std::string definition = home_.read("config/vfg/" + name + ".toml");
  ConfigParse parse = parse_vm_config(definition, name + ".toml", name);
  EXPECT_FALSE(parse.diagnostics.has_errors()) << parse.diagnostics.render();
  expect_golden(name + ".toml", portable(definition));
  expect_golden(name + ".report", imported.out);

  VfgResult check = vfg({"--root", root, "import", "--check", name, source});
  expect_golden(name + ".check", check.out + check.err);
  // Always a report (exit 2 would be none); 1 when something is lost, which only what the
  // source's header declares may be.
  std::vector<std::string> lost = declared_lost(*text);
  EXPECT_EQ(check.code, lost.empty() ? 0 : 1) << check.out << check.err;
  EXPECT_TRUE(check.err.empty()) << check.err;
  EXPECT_TRUE(std::regex_search(
      check.out,
      std::regex(fmt::format("\n[0-9]+ same, [0-9]+ vfg's choice, {} lost\n$", lost.size()))))
      << check.out;
  EXPECT_EQ(reported_lost(check.out), lost) << check.out;
}

using ImportWithoutVirsh = ImportCorpus;

// Without virsh, a domain's check compares its facts as the import reads them with the
// definition: a report still comes, and it finds what the definition no longer holds.
TEST_F(ImportWithoutVirsh, ComparesTheDomainsFactsWithTheDefinition) {
  make_home();
  const std::string source =
      testing::source_path("tests/fixtures/import/domains/win10-pinned-threadripper.xml");
  std::string root = testing::source_path("tests/fixtures/hosts/" + host_of(*read_file(source)));
  ASSERT_EQ(vfg({"--root", root, "import", "vm", source}).code, 0);
  // A PATH with QEMU but no virsh.
  auto qemu = find_program("qemu-system-x86_64");
  ASSERT_TRUE(qemu);
  fs::create_directories(home_ / "bin");
  fs::create_symlink(*qemu, home_ / "bin/qemu-system-x86_64");
  ::chmod((home_ / "bin").c_str(), 0755);
  std::string path = (home_ / "bin").string();

  VfgResult check = vfg({"--root", root, "import", "--check", "vm", source}, path);
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("# no command line from libvirt (virsh is not installed"),
            std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("same          memory size: 16G"), std::string::npos) << check.out;
  EXPECT_TRUE(std::regex_search(check.out, std::regex("\n[0-9]+ same, 0 vfg's choice, 0 lost\n$")))
      << check.out;

  // The definition edited after the import: the check finds the memory lost.
  std::string definition = home_.read("config/vfg/vm.toml");
  ASSERT_NE(definition.find("size = \"16G\""), std::string::npos) << definition;
  ASSERT_TRUE(write_file_atomic(home_ / "config/vfg/vm.toml",
                                replace_all(definition, "size = \"16G\"", "size = \"8G\"")));
  check = vfg({"--root", root, "import", "--check", "vm", source}, path);
  EXPECT_EQ(check.code, 1) << check.out << check.err;
  EXPECT_EQ(reported_lost(check.out), std::vector<std::string>{"memory size"}) << check.out;
}

std::vector<std::string> corpus() {
  std::vector<std::string> files;
  for (const char* dir : {"scripts", "domains"}) {
    for (const auto& entry :
         fs::directory_iterator(testing::source_path(std::string("tests/fixtures/import/") + dir)))
      files.push_back(std::string(dir) + "/" + entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Corpus, ImportCorpus, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<std::string>& file_info) {
                           std::string name = file_info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace vfg
