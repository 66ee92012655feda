// `vfg new` and `vfg args` end to end: the binary, real QEMU probing, this host.
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "run/qmp_client.h"
#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/config_loader.h"

namespace vfg {
namespace {

class ArgsNewCli : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> env() const {
    return {{"HOME", home_.path().string()},
            {"XDG_CONFIG_HOME", (home_ / "config").string()},
            {"XDG_DATA_HOME", (home_ / "data").string()},
            {"XDG_RUNTIME_DIR", (home_ / "run").string()}};
  }
  testing::VfgRun vfg(const std::vector<std::string>& args) const {
    return testing::run_vfg(args, env());
  }
  testing::TempDir home_;
};

TEST_F(ArgsNewCli, NewWritesAStarterThatArgsTurnsIntoAScript) {
  auto created = vfg({"new", "win"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string file = (home_ / "config/vfg/win.toml").string();
  EXPECT_EQ(created.out.rfind("wrote " + file + "\n", 0), 0u) << created.out;
  // The starter is valid as written.
  ConfigParse parse = parse_vm_config(home_.read("config/vfg/win.toml"), "win.toml", "win");
  EXPECT_EQ(parse.diagnostics.render(), "");

  auto again = vfg({"new", "win"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(again.err, "vfg: error: '" + file +
                           "' already exists\n  change it with 'vfg edit win', or remove it to "
                           "start over; 'vfg new' "
                           "never overwrites a definition\n");

  auto args = vfg({"args", "win"});
  ASSERT_EQ(args.exit_code, 0) << args.err;
  EXPECT_EQ(args.out.rfind("#!/bin/sh\n", 0), 0u);
  // Not exec'd: the script stays to stop the VM's swtpm when QEMU ends.
  EXPECT_NE(args.out.find("\nqemu-system-x86_64 \\\n  -name win,debug-threads=on \\\n"),
            std::string::npos)
      << args.out;
  // This host cannot run KVM guests: auto picks TCG and says so.
  EXPECT_NE(args.out.find("# note: KVM cannot run guests here; using TCG (slow)\n"),
            std::string::npos);
  EXPECT_NE(args.out.find("  -accel tcg,thread=multi \\\n"), std::string::npos);
  // Windows gets Secure Boot: the build with Microsoft's keys enrolled.
  EXPECT_NE(args.out.find("OVMF_CODE_4M.ms.fd"), std::string::npos);
  EXPECT_NE(args.out.find((home_ / "data/vfg/win/OVMF_VARS.fd").string()), std::string::npos);

  auto json = vfg({"args", "win", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["accelerator"], "tcg");
  EXPECT_EQ(doc["argv"][0], "qemu-system-x86_64");
  EXPECT_EQ(doc["argv"].back(), "-S");
}

TEST_F(ArgsNewCli, NewRefusesBadNamesAndLinuxStartersAreValid) {
  auto bad = vfg({"new", "a/b"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "vfg: error: VM name 'a/b' contains '/'; use letters, digits, '.', '_' and '-'\n");
  ASSERT_EQ(vfg({"new", "tux", "--os", "linux"}).exit_code, 0);
  ConfigParse parse = parse_vm_config(home_.read("config/vfg/tux.toml"), "tux.toml", "tux");
  EXPECT_EQ(parse.diagnostics.render(), "");
  EXPECT_EQ(parse.config.os, GuestOs::kLinux);
}

// The printed script is the user's qemu.sh: run by sh, it boots the VM on its
// own, with a disk whose path needs quoting in both the shell and QEMU.
TEST_F(ArgsNewCli, ThePrintedScriptRuns) {
  std::string disk = (home_ / "my disks, v2/data.raw").string();
  home_.write("my disks, v2/data.raw", std::string(1 << 20, '\0'));
  home_.write("config/vfg/tiny.toml",
              fmt::format("os = \"linux\"\naccel = \"tcg\"\n[memory]\nsize = \"256M\"\n"
                          "[cpu]\ncores = 1\nthreads = 1\n[firmware]\ntype = \"bios\"\n"
                          "[audio]\nenabled = false\n[network]\nmode = \"none\"\n"
                          "[[disk]]\npath = \"{}\"\n"
                          "[boot]\nkernel = \"{}/vmlinuz\"\ninitrd = \"{}/initrd.gz\"\n"
                          "append = \"console=ttyS0 quiet\"\n",
                          disk, VFG_GUEST_DIR, VFG_GUEST_DIR));
  auto args = vfg({"args", "tiny"});
  ASSERT_EQ(args.exit_code, 0) << args.err;
  EXPECT_EQ(args.out.find("  -S"), std::string::npos);
  auto script = home_.write("qemu.sh", args.out);
  SpawnOptions options;
  options.argv = {"sh", script.string()};
  for (const auto& [key, value] : env()) options.env.emplace_back(key, value);
  options.stdout_mode = Stdio::kNull;
  options.stderr_mode = Stdio::kNull;
  auto qemu = spawn(options);  // exec'd into QEMU; killed by the destructor at worst
  ASSERT_TRUE(qemu) << qemu.error().message;
  auto runtime = home_ / "run/vfg/tiny";
  std::string serial;
  // A bound, not a timing: a TCG boot on a loaded two-core machine can take
  // minutes; ctest's own limit for a test is 300 s.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(270);
  while (std::chrono::steady_clock::now() < deadline &&
         serial.find("VFG-GUEST ready") == std::string::npos) {
    auto exited = qemu->wait_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(exited && !*exited) << "the script exited: " << args.out;
    serial = read_file(runtime / "serial.log").value_or("");
  }
  ASSERT_NE(serial.find("VFG-GUEST ready"), std::string::npos) << serial;
  // Not paused: the guest booted by itself. The virtio disk is there.
  EXPECT_NE(serial.find("0x1af4:0x1042"), std::string::npos) << serial;
  auto qmp = QmpClient::connect(runtime / "qmp.sock");
  ASSERT_TRUE(qmp) << qmp.error().message;
  ASSERT_TRUE(qmp->execute("quit"));
  auto status = qemu->wait();
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe();
}

/// Whether a live process has `needle` in its command line (read from /proc).
bool process_with_argument(const std::string& needle) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = read_file(entry.path() / "cmdline").value_or("");
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(needle) != std::string::npos && process_alive(std::stoi(pid))) return true;
  }
  return false;
}

// With tpm = true the script starts swtpm itself, QEMU finds its TPM, and
// swtpm is gone once QEMU has ended.
TEST_F(ArgsNewCli, ThePrintedScriptOfATpmVmRunsSwtpmAndStopsIt) {
  home_.write("config/vfg/tpm.toml",
              fmt::format("os = \"linux\"\naccel = \"tcg\"\ntpm = true\n[memory]\nsize = \"256M\"\n"
                          "[cpu]\ncores = 1\nthreads = 1\n[firmware]\ntype = \"bios\"\n"
                          "[audio]\nenabled = false\n[network]\nmode = \"none\"\n"
                          "[boot]\nkernel = \"{}/vmlinuz\"\ninitrd = \"{}/initrd.gz\"\n"
                          "append = \"console=ttyS0 quiet\"\n",
                          VFG_GUEST_DIR, VFG_GUEST_DIR));
  auto args = vfg({"args", "tpm"});
  ASSERT_EQ(args.exit_code, 0) << args.err;
  EXPECT_NE(args.out.find("\nswtpm socket --tpm2"), std::string::npos) << args.out;
  auto script = home_.write("qemu.sh", args.out);
  SpawnOptions options;
  options.argv = {"sh", script.string()};
  for (const auto& [key, value] : env()) options.env.emplace_back(key, value);
  options.stdout_mode = Stdio::kNull;
  options.stderr_mode = Stdio::kNull;
  auto shell = spawn(options);
  ASSERT_TRUE(shell) << shell.error().message;
  auto runtime = home_ / "run/vfg/tpm";
  std::string tpm_dir = (home_ / "data/vfg/tpm/tpm").string();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::optional<QmpClient> qmp;
  while (std::chrono::steady_clock::now() < deadline && !qmp) {
    auto exited = shell->wait_for(std::chrono::milliseconds(200));
    ASSERT_TRUE(exited && !*exited)
        << "the script exited: " << read_file(runtime / "swtpm.log").value_or("") << args.out;
    if (auto connected = QmpClient::connect(runtime / "qmp.sock", std::chrono::seconds(5)))
      qmp.emplace(std::move(*connected));
  }
  ASSERT_TRUE(qmp);
  auto tpm = qmp->execute("query-tpm");
  ASSERT_TRUE(tpm) << tpm.error().message;
  ASSERT_EQ(tpm->size(), 1u) << tpm->dump();
  EXPECT_EQ((*tpm)[0].value("model", ""), "tpm-crb");
  EXPECT_TRUE(process_with_argument("dir=" + tpm_dir));
  ASSERT_TRUE(qmp->execute("quit"));
  auto status = shell->wait();
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe();
  for (int i = 0; i < 50 && process_with_argument("dir=" + tpm_dir); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(process_with_argument("dir=" + tpm_dir));
  EXPECT_TRUE(std::filesystem::exists(tpm_dir + "/tpm2-00.permall"));
}

TEST_F(ArgsNewCli, ArgsReportsEveryErrorOfTheDefinition) {
  home_.write("config/vfg/bad.toml", "[memory]\nsise = \"4G\"\n[[usb]]\nport = \"x\"\n");
  auto run = vfg({"args", "bad"});
  EXPECT_EQ(run.exit_code, 2);
  std::string file = (home_ / "config/vfg/bad.toml").string();
  EXPECT_EQ(run.err, "vfg: error: '" + file + "' has 2 errors; nothing was started:\n" + file +
                         ":2:1: error: key 'memory.sise': unknown key; did you mean "
                         "'memory.size'?\n" +
                         file +
                         ":4:8: error: key 'usb[0].port': 'x' is not a USB port; write it as "
                         "sysfs names it, BUS-PORT[.PORT...] such as \"3-1.4.2\" (see 'lsusb "
                         "-t')\n");
  EXPECT_EQ(run.out, "");
  auto missing = vfg({"args", "nope"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no VM named 'nope'"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace vfg
