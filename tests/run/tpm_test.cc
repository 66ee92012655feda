// TPM 2.0 and Secure Boot end to end: a definition with tpm = true goes
// through the real planner (Debian's firmware descriptors) and argv builder,
// the launcher starts real swtpm and QEMU (TCG), and QMP shows the TPM.
// However the VM ends — graceful stop, QEMU killed, supervisor and QEMU
// killed together — no swtpm and no socket may remain.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <dirent.h>

#include <gtest/gtest.h>

#include "run/launcher.h"
#include "run/pidfd.h"
#include "run/qmp_client.h"
#include "run/stopper.h"
#include "run/swtpm.h"
#include "run/vm_status.h"
#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/launch_planner.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

/// Pids of the swtpm processes serving `state_dir` (read from the live /proc).
std::vector<pid_t> swtpm_pids(const fs::path& state_dir) {
  std::vector<pid_t> pids;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) return pids;
  while (dirent* entry = ::readdir(proc.get())) {
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::string cmdline = read_file(fmt::format("/proc/{}/cmdline", pid)).value_or("");
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find("swtpm") != std::string::npos &&
        cmdline.find(state_dir.string()) != std::string::npos && process_alive(pid))
      pids.push_back(pid);
  }
  return pids;
}

class TpmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
      FAIL() << "the test guest is missing; run scripts/build-guest.sh build/guest";
  }

  XdgDirs dirs() const {
    return {temp_ / "config/vfg", temp_ / "data/vfg", temp_ / "run/vfg", temp_ / "state/vfg"};
  }
  VmPaths paths() const { return VmPaths::make(dirs(), "win11"); }

  /// The busybox guest as a small VM with a TPM; BIOS boots it quickest under TCG.
  static VmConfig guest_config() {
    VmConfig config;
    config.name = "win11";
    config.os = GuestOs::kLinux;
    config.accel = Accel::kTcg;
    config.memory.size = 256 * kMiB;
    config.cpu.cores = 1;
    config.cpu.threads = 1;
    config.firmware.type = FirmwareConfig::Type::kBios;
    config.audio.enabled = false;
    config.network.mode = NetworkMode::kNone;
    config.boot.kernel = std::string(VFG_GUEST_DIR) + "/vmlinuz";
    config.boot.initrd = std::string(VFG_GUEST_DIR) + "/initrd.gz";
    config.boot.append = "console=ttyS0 quiet";
    config.tpm = true;
    config.stop_timeout = 60s;
    return config;
  }

  /// Definition → plan (this host) → argv → request, as `vfg start` does.
  LaunchRequest request_for(const VmConfig& config) const {
    HostRoot live;
    auto plan = plan_launch(config, live, dirs());
    EXPECT_TRUE(plan) << plan.error().message;
    if (!plan) return {};
    EXPECT_TRUE(prepare_vm_files(*plan));
    auto command = build_qemu_argv(config, *plan);
    EXPECT_TRUE(command) << command.error().message;
    LaunchRequest request = launch_request(config, plan->paths, command->argv);
    request.monitor_object = plan->qemu.monitor_object;
    request.accelerator = "tcg";
    return request;
  }

  nlohmann::json query_tpm() const {
    auto qmp = QmpClient::connect(paths().qmp_socket, 30s);
    EXPECT_TRUE(qmp) << qmp.error().message;
    if (!qmp) return {};
    auto tpm = qmp->execute("query-tpm", nlohmann::json::object(), 30s);
    EXPECT_TRUE(tpm) << tpm.error().message;
    return tpm ? *tpm : nlohmann::json();
  }

  bool wait_for_serial(const std::string& text) const {
    for (int i = 0; i < 1200; ++i) {
      if (read_file(paths().serial_log).value_or("").find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  void expect_no_tpm_left() const {
    EXPECT_TRUE(swtpm_pids(paths().tpm_dir).empty());
    EXPECT_FALSE(fs::exists(paths().tpm_socket));
    EXPECT_FALSE(fs::exists(paths().lock_file));
  }

  void force_stop() const {
    StopRequest stop;
    stop.paths = paths();
    stop.force = true;
    HostRoot live;
    auto outcome = stop_vm(live, stop);
    EXPECT_TRUE(outcome) << outcome.error().message;
  }

  testing::TempDir temp_;
};

TEST_F(TpmTest, GuestSeesTheTpmAndAGracefulStopEndsSwtpm) {
  VmConfig config = guest_config();
  LaunchRequest request = request_for(config);
  ASSERT_FALSE(request.argv.empty());
  auto info = start_detached(request);
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_EQ(swtpm_pids(paths().tpm_dir).size(), 1U);

  nlohmann::json tpm = query_tpm();
  ASSERT_TRUE(tpm.is_array() && tpm.size() == 1) << tpm.dump();
  EXPECT_EQ(tpm[0].value("model", ""), "tpm-crb");
  EXPECT_EQ(tpm[0]["options"].value("type", ""), "emulator");
  EXPECT_EQ(tpm[0]["options"]["data"].value("chardev", ""), "chrtpm");
  // Wait for the guest's power button handler before pressing it.
  ASSERT_TRUE(wait_for_serial("VFG-GUEST ready"));

  StopRequest stop;
  stop.paths = paths();
  HostRoot live;
  auto outcome = stop_vm(live, stop);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->how, StopOutcome::How::kGuestShutdown) << outcome->describe();
  expect_no_tpm_left();
  // The TPM's state stays with the VM's data, for the next start.
  EXPECT_TRUE(fs::exists(paths().tpm_dir / "tpm2-00.permall"));
}

// QEMU runs on without its TPM emulator; status must not call that healthy.
TEST_F(TpmTest, AVmWhoseSwtpmDiedIsReportedDegraded) {
  LaunchRequest request = request_for(guest_config());
  ASSERT_FALSE(request.argv.empty());
  auto info = start_detached(request);
  ASSERT_TRUE(info) << info.error().message;
  HostRoot live;
  EXPECT_FALSE(query_vm_status(live, paths()).degraded);
  auto pids = swtpm_pids(paths().tpm_dir);
  ASSERT_EQ(pids.size(), 1U);
  ::kill(pids[0], SIGKILL);
  ASSERT_TRUE(wait_for_pid_exit(pids[0], 10s));

  VmStatus status = query_vm_status(live, paths());
  EXPECT_EQ(status.state, "running");
  EXPECT_TRUE(status.degraded);
  ASSERT_EQ(status.problems.size(), 1U);
  EXPECT_NE(status.problems[0].find("its TPM is gone"), std::string::npos) << status.problems[0];
  EXPECT_EQ(status.to_json()["degraded"], true);
  EXPECT_EQ(status.log, paths().log_file.string());
  // The supervisor says so in its log, once it has made sure QEMU is not ending too.
  bool logged = false;
  for (int i = 0; i < 300 && !logged; ++i) {
    logged = read_file(paths().log_file).value_or("").find("the guest has lost its TPM") !=
             std::string::npos;
    if (!logged) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(logged) << read_file(paths().log_file).value_or("");
  force_stop();
  expect_no_tpm_left();
}

TEST_F(TpmTest, SecureBootFirmwareFromDebiansDescriptorsStartsWithSmm) {
  VmConfig config = guest_config();
  config.firmware.type = FirmwareConfig::Type::kUefi;
  config.firmware.secure_boot = true;
  // Secure Boot refuses the unsigned test kernel; QEMU running is the point.
  config.boot = {};
  LaunchRequest request = request_for(config);
  ASSERT_FALSE(request.argv.empty());
  auto joined = fmt::format("{}", fmt::join(request.argv, " "));
  EXPECT_NE(joined.find("/usr/share/OVMF/OVMF_CODE_4M.ms.fd"), std::string::npos) << joined;
  EXPECT_NE(joined.find("smm=on"), std::string::npos) << joined;
  EXPECT_NE(joined.find("driver=cfi.pflash01,property=secure,value=on"), std::string::npos);
  // The VM's own copy of the template with Microsoft's keys enrolled.
  EXPECT_EQ(read_file(paths().vars_file()).value_or("x"),
            read_file("/usr/share/OVMF/OVMF_VARS_4M.ms.fd").value_or("y"));

  auto info = start_detached(request);
  ASSERT_TRUE(info) << info.error().message;
  nlohmann::json tpm = query_tpm();
  ASSERT_TRUE(tpm.is_array() && tpm.size() == 1) << tpm.dump();
  EXPECT_EQ(tpm[0].value("model", ""), "tpm-crb");

  // QEMU dies hard; the supervisor still takes swtpm and the socket with it.
  UniqueFd supervisor = open_pidfd(info->supervisor_pid);
  ASSERT_TRUE(supervisor);
  ::kill(info->qemu_pid, SIGKILL);
  ASSERT_TRUE(wait_pidfd(supervisor.get(), 60s));
  expect_no_tpm_left();
}

TEST_F(TpmTest, SwtpmEndsWithQemuWhenTheSupervisorIsKilledToo) {
  VmConfig config = guest_config();
  auto info = start_detached(request_for(config));
  ASSERT_TRUE(info) << info.error().message;
  auto pids = swtpm_pids(paths().tpm_dir);
  ASSERT_EQ(pids.size(), 1U);
  ::kill(info->supervisor_pid, SIGKILL);
  ::kill(info->qemu_pid, SIGKILL);
  // Nobody is left to stop it: swtpm --terminate ends when QEMU's connection closes.
  EXPECT_TRUE(wait_for_pid_exit(pids[0], 60s));
  EXPECT_TRUE(wait_for_pid_exit(info->qemu_pid, 60s));
  EXPECT_TRUE(wait_for_pid_exit(info->supervisor_pid, 60s));

  // The next start clears the stale socket and starts a fresh swtpm on the same state.
  auto again = start_detached(request_for(config));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(swtpm_pids(paths().tpm_dir).size(), 1U);
  force_stop();
  expect_no_tpm_left();
}

TEST_F(TpmTest, AFailingSwtpmIsReportedAndLeavesNothingBehind) {
  VmConfig config = guest_config();
  LaunchRequest request = request_for(config);
  // A TPM state that libtpms cannot read.
  ASSERT_TRUE(make_directories(paths().tpm_dir, 0700));
  ASSERT_TRUE(write_file_atomic(paths().tpm_dir / "tpm2-00.permall", "not a TPM state", 0600));
  auto info = start_detached(request);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("swtpm did not start"), std::string::npos)
      << info.error().message;
  EXPECT_NE(info.error().message.find("swtpm.log"), std::string::npos) << info.error().message;
  expect_no_tpm_left();
  EXPECT_FALSE(fs::exists(paths().qmp_socket));
  EXPECT_FALSE(fs::exists(paths().runtime_dir / "state.json"));
}

// The commands a user types: `vfg start` runs swtpm for a tpm = true
// definition, `vfg status` says when it is gone, `vfg stop` takes it away
// with QEMU.
TEST_F(TpmTest, VfgStartAndStopRunTheTpmWithTheVm) {
  temp_.write("config/vfg/win11.toml",
              fmt::format("os = \"linux\"\naccel = \"tcg\"\ntpm = true\n[memory]\nsize = "
                          "\"256M\"\n[cpu]\ncores = 1\nthreads = 1\n[audio]\nenabled = "
                          "false\n[network]\nmode = \"none\"\n[boot]\nkernel = "
                          "\"{0}/vmlinuz\"\ninitrd = \"{0}/initrd.gz\"\n",
                          VFG_GUEST_DIR));
  std::vector<std::pair<std::string, std::string>> env = {
      {"HOME", temp_.path().string()},
      {"XDG_CONFIG_HOME", (temp_ / "config").string()},
      {"XDG_DATA_HOME", (temp_ / "data").string()},
      {"XDG_RUNTIME_DIR", (temp_ / "run").string()}};
  auto started = testing::run_vfg({"start", "win11"}, env);
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_EQ(swtpm_pids(paths().tpm_dir).size(), 1U);
  nlohmann::json tpm = query_tpm();
  ASSERT_TRUE(tpm.is_array() && tpm.size() == 1) << tpm.dump();
  auto healthy = testing::run_vfg({"status", "win11"}, env);
  EXPECT_NE(healthy.out.find("win11: running, pid "), std::string::npos) << healthy.out;

  auto pids = swtpm_pids(paths().tpm_dir);
  ASSERT_EQ(pids.size(), 1U);
  ::kill(pids[0], SIGKILL);
  ASSERT_TRUE(wait_for_pid_exit(pids[0], 10s));
  auto degraded = testing::run_vfg({"status", "win11"}, env);
  EXPECT_EQ(degraded.exit_code, 0) << degraded.err;
  EXPECT_NE(degraded.out.find("win11: running (degraded), pid "), std::string::npos)
      << degraded.out;
  EXPECT_NE(degraded.err.find("vfg: warning: win11: its TPM is gone: swtpm (pid " +
                              std::to_string(pids[0]) + ") exited"),
            std::string::npos)
      << degraded.err;
  auto json = nlohmann::json::parse(testing::run_vfg({"status", "win11", "--json"}, env).out,
                                    nullptr, false);
  EXPECT_EQ(json["degraded"], true) << json.dump();
  EXPECT_EQ(json["state"], "running") << json.dump();

  auto stopped = testing::run_vfg({"stop", "win11", "--force"}, env);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  expect_no_tpm_left();
}

TEST(Swtpm, ArgvHasNoStartupFlagAndTerminatesWithItsClient) {
  SwtpmOptions options;
  options.state_dir = "/data/vm/tpm";
  auto argv = swtpm_argv(options, 7);
  EXPECT_EQ(fmt::format("{}", fmt::join(argv, " ")),
            "swtpm socket --tpm2 --tpmstate dir=/data/vm/tpm,mode=0600 --ctrl type=unixio,fd=7 "
            "--terminate");
}

TEST(Swtpm, MissingProgramIsAClearError) {
  testing::TempDir temp;
  SwtpmOptions options;
  options.binary = "/nonexistent/swtpm";
  options.state_dir = temp / "tpm";
  options.socket = temp / "tpm.sock";
  options.log = temp / "swtpm.log";
  auto started = Swtpm::start(options);
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("install it"), std::string::npos);
  EXPECT_FALSE(fs::exists(options.socket));
}

}  // namespace
}  // namespace vfg
