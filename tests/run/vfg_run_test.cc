// End to end through the vfg binary with real QEMU (TCG) and the busybox
// guest: every test has its own XDG directories, so tests run in parallel.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include "run/pidfd.h"
#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::run_vfg;
using testing::VfgRun;

class VfgRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
      FAIL() << "the test guest is missing; run scripts/build-guest.sh build/guest";
    define("demo");
  }

  // The demo definition exactly as scripts/demo.sh writes it, with `top`
  // lines first and `from` replaced by `to`.
  void define(const std::string& name, const std::string& top = "", const std::string& from = "",
              const std::string& to = "") const {
    auto text = read_file(testing::source_path("scripts/demo.toml.in"));
    ASSERT_TRUE(text);
    std::string definition = top + *text;
    if (!from.empty()) {
      size_t at = definition.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      definition.replace(at, from.size(), to);
    }
    for (size_t at; (at = definition.find("@GUEST_DIR@")) != std::string::npos;)
      definition.replace(at, 11, VFG_GUEST_DIR);
    temp_.write("config/vfg/" + name + ".toml", definition);
  }

  VfgRun vfg(const std::vector<std::string>& args) const { return run_vfg(args, env()); }

  std::vector<std::pair<std::string, std::string>> env() const {
    return {{"XDG_CONFIG_HOME", (temp_ / "config").string()},
            {"XDG_DATA_HOME", (temp_ / "data").string()},
            {"XDG_RUNTIME_DIR", (temp_ / "run").string()},
            {"XDG_STATE_HOME", (temp_ / "state").string()}};
  }

  fs::path runtime(const std::string& name = "demo") const { return temp_ / ("run/vfg/" + name); }

  nlohmann::json status_json(const std::string& name = "demo") const {
    VfgRun run = vfg({"status", name, "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return nlohmann::json::parse(run.out, nullptr, false);
  }

  // Bounded, not timed: the guest prints this once its power button works.
  bool wait_for_serial(const std::string& text, const std::string& name = "demo") const {
    for (int i = 0; i < 1200; ++i) {
      std::ifstream file(runtime(name) / "serial.log");
      std::stringstream contents;
      contents << file.rdbuf();
      if (contents.str().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  void expect_clean(const std::string& name = "demo") const {
    for (const char* file : {"lock", "qmp.sock", "qemu.pid", "state.json"})
      EXPECT_FALSE(fs::exists(runtime(name) / file)) << file;
  }

  void force_stop(const std::string& name = "demo") const {
    VfgRun stop = vfg({"stop", name, "--force"});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
  }

  // `vfg start demo --foreground` until the guest is up, then Ctrl-C (SIGINT):
  // what it printed until it ended, which it must do by itself and cleanly.
  std::string interrupt_foreground_start() const {
    SpawnOptions options;
    options.argv = {VFG_BINARY, "start", "demo", "--foreground"};
    options.env.emplace_back("NO_COLOR", "1");
    for (const auto& [key, value] : env()) options.env.emplace_back(key, value);
    options.stdout_mode = Stdio::kPipe;
    auto vfg_process = spawn(options);
    if (!vfg_process) {
      ADD_FAILURE() << vfg_process.error().message;
      return {};
    }
    EXPECT_TRUE(wait_for_serial("VFG-GUEST ready"));
    EXPECT_EQ(status_json()["state"], "running");
    vfg_process->kill(SIGINT);
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(vfg_process->stdout_pipe().get(), buffer, sizeof buffer)) > 0)
      out.append(buffer, static_cast<size_t>(n));
    auto status = vfg_process->wait();
    EXPECT_TRUE(status && status->success())
        << (status ? status->describe() : status.error().message) << "\n"
        << out;
    return out;
  }

  testing::TempDir temp_;
};

TEST_F(VfgRunTest, StartStatusAndGracefulStop) {
  VfgRun start = vfg({"start", "demo"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.out.find("started 'demo' (QEMU pid"), std::string::npos) << start.out;
  EXPECT_NE(start.out.find(", tcg)"), std::string::npos) << start.out;

  nlohmann::json status = status_json();
  EXPECT_EQ(status["state"], "running");
  EXPECT_EQ(status["accelerator"], "tcg");
  EXPECT_EQ(status["supervised"], true);
  ASSERT_TRUE(status["pid"].is_number());
  pid_t pid = status["pid"].get<pid_t>();
  EXPECT_TRUE(process_alive(pid));
  VfgRun human = vfg({"status", "demo"});
  EXPECT_NE(human.out.find(fmt::format("demo: running, pid {}, up ", pid)), std::string::npos)
      << human.out;
  VfgRun list = vfg({"list"});
  EXPECT_NE(list.out.find(fmt::format("demo  running (pid {})", pid)), std::string::npos)
      << list.out;

  ASSERT_TRUE(wait_for_serial("VFG-GUEST ready"));
  auto serial = read_file(runtime() / "serial.log");
  ASSERT_TRUE(serial);
  EXPECT_NE(serial->find("VFG-PCI 0000:00:00.0 0x8086:0x29c0"), std::string::npos) << *serial;

  VfgRun stop = vfg({"stop", "demo", "--json"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  nlohmann::json outcome = nlohmann::json::parse(stop.out, nullptr, false);
  EXPECT_EQ(outcome["how"], "guest-shutdown") << stop.out;
  EXPECT_EQ(outcome["graceful"], true);
  // The guest itself powered off: QMP SHUTDOWN with guest: true.
  EXPECT_EQ(outcome["shutdown_reason"], "guest-shutdown");
  EXPECT_FALSE(process_alive(pid));
  expect_clean();
  // The supervisor's log outlives the runtime directory, and status says where it is.
  std::string log = (temp_ / "state/vfg/demo/qemu.log").string();
  EXPECT_NE(read_file(log).value_or("").find("vfg: the guest powered off"), std::string::npos);
  EXPECT_EQ(status_json()["state"], "stopped");
  EXPECT_EQ(status_json()["log"], log);
  EXPECT_NE(vfg({"status", "demo"}).out.find("last run's log: " + log), std::string::npos);
  EXPECT_NE(vfg({"list"}).out.find("demo  stopped"), std::string::npos);
}

// With the guest agent channel, `vfg stop` asks the agent (the guest's init
// answers guest-sync and guest-shutdown on the virtio-serial port) and never
// presses the power button: the guest says which one reached it.
TEST_F(VfgRunTest, StopGoesThroughTheGuestAgent) {
  define("demo", "", "[memory]", "[platform]\nguest_agent = true\n\n[memory]");
  VfgRun start = vfg({"start", "demo"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  ASSERT_TRUE(wait_for_serial("VFG-GUEST ready"));
  auto serial = read_file(runtime() / "serial.log").value_or("");
  ASSERT_NE(serial.find("VFG-GUEST agent listening on /dev/vport"), std::string::npos) << serial;

  VfgRun stop = vfg({"stop", "demo"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.out.find("asked the guest agent of 'demo' to shut down"), std::string::npos)
      << stop.out;
  EXPECT_NE(stop.out.find("stopped 'demo': the guest shut down (guest agent) in "),
            std::string::npos)
      << stop.out;
  serial = read_file(runtime() / "serial.log").value_or("");
  EXPECT_NE(serial.find("VFG-GUEST agent guest-shutdown: powering off"), std::string::npos)
      << serial;
  EXPECT_EQ(serial.find("power button pressed"), std::string::npos) << serial;
  expect_clean();
  EXPECT_FALSE(fs::exists(runtime() / "qga.sock"));
}

// The channel is there but nothing answers on it (a Windows guest without the
// guest tools): the agent's silence costs the sync timeout, then the button.
TEST_F(VfgRunTest, StopFallsBackToThePowerButtonWhenNoAgentAnswers) {
  define("demo", "", "append = \"console=ttyS0 quiet\"",
         "append = \"console=ttyS0 quiet vfg.no_agent\"\n\n[platform]\nguest_agent = true");
  ASSERT_EQ(vfg({"start", "demo"}).exit_code, 0);
  ASSERT_TRUE(wait_for_serial("VFG-GUEST ready"));
  ASSERT_TRUE(fs::exists(runtime() / "qga.sock"));

  VfgRun stop = vfg({"stop", "demo", "--json"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  nlohmann::json outcome = nlohmann::json::parse(stop.out, nullptr, false);
  EXPECT_EQ(outcome["how"], "guest-shutdown") << stop.out;
  EXPECT_EQ(outcome["by_agent"], false) << stop.out;
  EXPECT_GE(outcome["presses"].get<int>(), 1) << stop.out;
  auto serial = read_file(runtime() / "serial.log").value_or("");
  EXPECT_NE(serial.find("VFG-GUEST power button pressed"), std::string::npos) << serial;
  EXPECT_EQ(serial.find("VFG-GUEST agent"), std::string::npos) << serial;
  expect_clean();
}

// PipeWire died and left its socket behind. `vfg check` says the VM runs
// silent; `vfg start` must do just that, not hand QEMU -audiodev pipewire
// (QEMU 11.1 then exits: "Failed to connect to PipeWire instance: Host is down").
TEST_F(VfgRunTest, AStalePipewireSocketStartsTheVmSilent) {
  define("demo", "", "[audio]\nenabled = false\n", "[audio]\nenabled = true\n");
  {
    fs::create_directories(temp_ / "run");
    UniqueFd server(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s",
                  (temp_ / "run/pipewire-0").c_str());
    ASSERT_EQ(::bind(server.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }  // closed: the socket file stays, nobody listens
  VfgRun check = vfg({"check", "demo", "--json"});
  EXPECT_NE(check.out.find("the VM runs without sound"), std::string::npos) << check.out;
  VfgRun start = vfg({"start", "demo"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE((start.out + start.err).find("no sound server is reachable"), std::string::npos)
      << start.err;
  // The guest still gets its sound card, on the silent backend.
  auto state = read_file(runtime() / "state.json").value_or("");
  EXPECT_NE(state.find("snd0"), std::string::npos) << state;
  EXPECT_EQ(state.find("pipewire"), std::string::npos) << state;
  force_stop();
}

TEST_F(VfgRunTest, ForceStopQuitsAtOnce) {
  ASSERT_EQ(vfg({"start", "demo"}).exit_code, 0);
  pid_t pid = status_json()["pid"].get<pid_t>();
  VfgRun stop = vfg({"stop", "demo", "--force"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.out.find("stopped 'demo': forced: QEMU quit"), std::string::npos) << stop.out;
  EXPECT_FALSE(process_alive(pid));
  expect_clean();
  VfgRun again = vfg({"stop", "demo"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("'demo' is not running"), std::string::npos);
}

TEST_F(VfgRunTest, SecondStartIsRefused) {
  ASSERT_EQ(vfg({"start", "demo"}).exit_code, 0);
  pid_t pid = status_json()["pid"].get<pid_t>();
  VfgRun second = vfg({"start", "demo"});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find(fmt::format("VM 'demo' is already running (QEMU pid {}", pid)),
            std::string::npos)
      << second.err;
  EXPECT_TRUE(process_alive(pid));
  EXPECT_EQ(status_json()["state"], "running");
  force_stop();
}

TEST_F(VfgRunTest, KilledQemuIsNoticedAndTheNextStartWorks) {
  ASSERT_EQ(vfg({"start", "demo"}).exit_code, 0);
  nlohmann::json status = status_json();
  pid_t pid = status["pid"].get<pid_t>();
  UniqueFd supervisor = open_pidfd(status["supervisor_pid"].get<pid_t>());
  ASSERT_TRUE(supervisor);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(wait_pidfd(supervisor.get(), 60s));
  EXPECT_EQ(status_json()["state"], "stopped");
  expect_clean();
  VfgRun start = vfg({"start", "demo"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(status_json()["state"], "running");
  force_stop();
}

TEST_F(VfgRunTest, QemuFailingAtStartIsExplained) {
  define("broken", "extra_args = [\"-no-such-option\"]\n");
  VfgRun start = vfg({"start", "broken"});
  EXPECT_NE(start.exit_code, 0);
  EXPECT_NE(
      start.err.find("cannot start 'broken': QEMU exited during start (exited with status 1)"),
      std::string::npos)
      << start.err;
  EXPECT_NE(start.err.find("-no-such-option: invalid option"), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("command: qemu-system-x86_64"), std::string::npos) << start.err;
  expect_clean("broken");
  EXPECT_EQ(status_json("broken")["state"], "stopped");
}

TEST_F(VfgRunTest, ForegroundTurnsSigintIntoAGracefulShutdown) {
  std::string out = interrupt_foreground_start();
  EXPECT_NE(out.find("'demo' is running"), std::string::npos) << out;
  EXPECT_NE(out.find("ACPI power button pressed"), std::string::npos) << out;
  EXPECT_NE(out.find("'demo' stopped: the guest powered off"), std::string::npos) << out;
  expect_clean();
}

// The supervisor's own shutdown (Ctrl-C, SIGTERM) asks the guest agent too,
// and says so.
TEST_F(VfgRunTest, ForegroundSigintGoesThroughTheGuestAgent) {
  define("demo", "", "[memory]", "[platform]\nguest_agent = true\n\n[memory]");
  std::string out = interrupt_foreground_start();
  EXPECT_NE(out.find("shutting down 'demo': the guest agent was asked to shut down"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("ACPI power button pressed"), std::string::npos) << out;
  EXPECT_NE(out.find("'demo' stopped: the guest powered off"), std::string::npos) << out;
  auto serial = read_file(runtime() / "serial.log").value_or("");
  EXPECT_NE(serial.find("VFG-GUEST agent guest-shutdown: powering off"), std::string::npos)
      << serial;
  expect_clean();
}

TEST_F(VfgRunTest, WindowsGuestUnderTcgSaysHyperVIsDropped) {
  define("win", "", "os = \"linux\"", "os = \"windows\"");
  VfgRun start = vfg({"start", "win"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.err.find("Hyper-V"), std::string::npos) << start.err;
  force_stop("win");
}

// Probing QEMU runs it five times and costs more than the rest of a start:
// `vfg start` probes once (the preflight and the plan share it) and the next
// start, `vfg check` and `vfg args` answer from the cache. A QEMU on $PATH
// that logs its arguments counts the runs.
TEST_F(VfgRunTest, StartProbesQemuOnceAndThenFromTheCache) {
  auto real = find_program("qemu-system-x86_64");
  ASSERT_TRUE(real) << "qemu-system-x86_64 is not installed (scripts/install-deps.sh)";
  fs::path log = temp_ / "qemu-runs.log";
  temp_.write(
      "bin/qemu-system-x86_64",
      fmt::format("#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n", log.string(), *real));
  fs::permissions(temp_ / "bin/qemu-system-x86_64", fs::perms::owner_all);
  auto with_wrapper = env();
  with_wrapper.emplace_back("PATH", (temp_ / "bin").string() + ":" + std::getenv("PATH"));
  auto probes = [&] {
    std::vector<std::string> lines;
    for (const auto& line : split(read_file(log).value_or(""), '\n'))
      if (!line.empty() && line.rfind("-chardev", 0) != 0) lines.emplace_back(line);
    return lines;
  };

  VfgRun first = run_vfg({"start", "demo"}, with_wrapper);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(probes(), (std::vector<std::string>{"-version", "-machine help", "-audiodev help",
                                                "-device help", "-help", "-object help",
                                                "-name guest=vfg-probe,help", "-spice help"}));
  force_stop();
  VfgRun second = run_vfg({"start", "demo"}, with_wrapper);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  force_stop();
  EXPECT_EQ(run_vfg({"args", "demo"}, with_wrapper).exit_code, 0);
  run_vfg({"check", "demo"}, with_wrapper);  // its verdict on this host does not matter here
  EXPECT_EQ(probes().size(), 8u) << read_file(log).value_or("");
  // The VM itself ran twice, through the wrapper.
  std::string runs = read_file(log).value_or("");
  EXPECT_EQ(std::count(runs.begin(), runs.end(), '\n'), 10) << runs;
}

}  // namespace
}  // namespace vfg
