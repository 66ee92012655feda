// cpu.isolate against a real systemd: tests/support/systemd-ns.sh boots
// systemd 252 as PID 1 of private namespaces (a system bus and nothing else),
// and `vfg start`/`vfg stop` of the busybox guest run inside them through
// nsenter. What is checked comes from systemd and the kernel, not from vfg:
// QEMU's cgroup in /proc, and each unit's AllowedCPUs= as `systemctl show`
// reports it. On a hybrid cgroup host (cpuset bound to v1) systemd accepts
// AllowedCPUs= without enforcing it, so the values are checked, not the CPUs.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <gtest/gtest.h>

#include "host/cpu_topology.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::string_view kUnits[] = {"system.slice", "user.slice", "init.scope"};

struct Ran {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class IsolationSystemdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      FAIL() << "needs root: it boots systemd in namespaces of its own (CI runs tests as root)";
    if (!fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
      FAIL() << "the test guest is missing; run scripts/build-guest.sh build/guest";
    if (scan_cpu_topology(HostRoot()).online.size() < 2) FAIL() << "needs 2 online CPUs";
    boot_systemd();
  }

  void TearDown() override {
    if (!systemd_) return;
    // SIGTERM lets the script remove the cgroup it made; the namespace dies
    // with its child either way.
    systemd_->kill(SIGTERM);
    auto ended = systemd_->wait_for(30s);
    if (!ended || !*ended) {
      systemd_->kill(SIGKILL);
      (void)systemd_->wait();
    }
  }

  void boot_systemd() {
    SpawnOptions options;
    // The script goes down with this test process, however it ends.
    options.argv = {"setpriv",
                    "--pdeathsig",
                    "TERM",
                    "--",
                    std::string(VFG_SOURCE_DIR) + "/tests/support/systemd-ns.sh",
                    temp_.path().string()};
    options.stdout_mode = Stdio::kFile;
    options.stdout_path = (temp_ / "systemd-ns.out").string();
    options.stderr_mode = Stdio::kFile;
    options.stderr_path = options.stdout_path;
    auto child = spawn(options);
    ASSERT_TRUE(child) << child.error().message;
    systemd_.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + 90s;
    while (!fs::exists(temp_ / "systemd.pid")) {
      auto ended = systemd_->wait_for(200ms);
      ASSERT_TRUE(ended && !*ended) << "systemd did not come up:\n"
                                    << read_file(temp_ / "systemd-ns.out").value_or("");
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "systemd did not come up within 90 s:\n"
          << read_file(temp_ / "systemd-ns.out").value_or("");
    }
    pid_ = std::string(trim(read_file(temp_ / "systemd.pid").value_or("")));
  }

  // Runs `argv` inside the namespaces, where systemd is PID 1.
  Ran inside(const std::vector<std::string>& argv) const {
    SpawnOptions options;
    options.argv = {"nsenter", "-t", pid_, "-p", "-m", "-C", "-n", "-u", "-i", "--"};
    options.argv.insert(options.argv.end(), argv.begin(), argv.end());
    options.env = {{"NO_COLOR", "1"},
                   {"XDG_CONFIG_HOME", (temp_ / "config").string()},
                   {"XDG_DATA_HOME", (temp_ / "data").string()},
                   {"XDG_RUNTIME_DIR", (temp_ / "run").string()},
                   {"XDG_STATE_HOME", (temp_ / "state").string()}};
    Ran ran;
    auto output = run_command(std::move(options), 3min);
    if (!output) {
      ran.err = output.error().message;
      return ran;
    }
    ran.exit_code = output->status.signal != 0 ? 128 + output->status.signal : output->status.code;
    ran.out = std::move(output->out);
    ran.err = std::move(output->err);
    return ran;
  }

  Ran vfg(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{VFG_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return inside(argv);
  }

  Ran systemctl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"systemctl", "--no-ask-password"};
    argv.insert(argv.end(), args.begin(), args.end());
    Ran ran = inside(argv);
    EXPECT_EQ(ran.exit_code, 0) << join(argv, " ") << ": " << ran.err;
    return ran;
  }

  // A unit's AllowedCPUs= as systemd reports it ("" = unset).
  std::string allowed_cpus(std::string_view unit) const {
    return std::string(
        trim(systemctl({"show", "--property=AllowedCPUs", "--value", std::string(unit)}).out));
  }

  std::vector<std::string> all_allowed_cpus() const {
    std::vector<std::string> values;
    for (auto unit : kUnits) values.push_back(allowed_cpus(unit));
    return values;
  }

  // One vCPU on CPU 1, so the host keeps CPU 0.
  void define(const std::string& name) const {
    temp_.write("config/vfg/" + name + ".toml",
                fmt::format("os = \"linux\"\naccel = \"tcg\"\n[memory]\nsize = \"256M\"\n"
                            "[cpu]\ncores = 1\nthreads = 1\npin = [1]\nisolate = true\n"
                            "[firmware]\ntype = \"bios\"\n[audio]\nenabled = false\n"
                            "[network]\nmode = \"none\"\n"
                            "[boot]\nkernel = \"{}/vmlinuz\"\ninitrd = \"{}/initrd.gz\"\n"
                            "append = \"console=ttyS0 quiet\"\n",
                            VFG_GUEST_DIR, VFG_GUEST_DIR));
  }

  nlohmann::json status(const std::string& name) const {
    Ran ran = vfg({"status", name, "--json"});
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    auto doc = nlohmann::json::parse(ran.out, nullptr, false);
    return doc.is_discarded() ? nlohmann::json::object() : doc;
  }

  // /proc/PID/cgroup as seen inside (paths relative to systemd's root).
  std::string cgroup_of(pid_t pid) const {
    return inside({"cat", fmt::format("/proc/{}/cgroup", pid)}).out;
  }

  // systemd drops a scope once the kernel reports it empty, a moment after
  // its last process has gone.
  bool scope_gone(const std::string& scope) const {
    for (int i = 0; i < 100; ++i) {
      if (trim(inside({"systemctl", "is-active", scope}).out) != "active") return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // Starts `name`, checks it is isolated for real, and returns QEMU's pid.
  pid_t start_isolated(const std::string& name) const {
    Ran start = vfg({"start", name});
    EXPECT_EQ(start.exit_code, 0) << start.err;
    EXPECT_NE(start.out.find("isolation: the rest of the system confined to CPU 0"),
              std::string::npos)
        << start.out;
    auto doc = status(name);
    pid_t qemu = doc.value("pid", 0);
    EXPECT_GT(qemu, 0) << doc.dump();
    EXPECT_NE(cgroup_of(qemu).find(fmt::format("0::/machine.slice/vfg-{}.scope\n", name)),
              std::string::npos)
        << cgroup_of(qemu);
    EXPECT_EQ(all_allowed_cpus(), (std::vector<std::string>{"0", "0", "0"}));
    return qemu;
  }

  testing::TempDir temp_;
  std::optional<Child> systemd_;
  std::string pid_;
};

TEST_F(IsolationSystemdTest, ConfinesTheHostWhileRunningAndLeavesUnsetValuesUnset) {
  define("iso");
  ASSERT_EQ(all_allowed_cpus(), (std::vector<std::string>{"", "", ""}));
  start_isolated("iso");
  // The record holds what restoring needs, should the supervisor die.
  auto record = nlohmann::json::parse(temp_.read("run/vfg/iso/tuning.json"));
  EXPECT_EQ(record["isolation"]["units"],
            nlohmann::json::parse(R"([{"unit": "system.slice", "previous": ""},
                                      {"unit": "user.slice", "previous": ""},
                                      {"unit": "init.scope", "previous": ""}])"));

  Ran stop = vfg({"stop", "iso", "--force"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(all_allowed_cpus(), (std::vector<std::string>{"", "", ""}));
  EXPECT_TRUE(scope_gone("vfg-iso.scope"));
}

TEST_F(IsolationSystemdTest, GivesBackValuesThatWereSetBefore) {
  define("iso");
  systemctl({"set-property", "--runtime", "system.slice", "AllowedCPUs=1"});
  systemctl({"set-property", "--runtime", "user.slice", "AllowedCPUs=0-1"});
  ASSERT_EQ(all_allowed_cpus(), (std::vector<std::string>{"1", "0-1", ""}));
  start_isolated("iso");
  Ran stop = vfg({"stop", "iso", "--force"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(all_allowed_cpus(), (std::vector<std::string>{"1", "0-1", ""}));
}

TEST_F(IsolationSystemdTest, ARefusedMoveStopsTheStartAndChangesNothing) {
  define("iso");
  systemctl({"mask", "--runtime", "machine.slice"});
  Ran start = vfg({"start", "iso"});
  EXPECT_NE(start.exit_code, 0);
  EXPECT_NE(start.err.find("isolating the host (cpu.isolate): `busctl call"), std::string::npos)
      << start.err;
  EXPECT_NE(start.err.find("Unit machine.slice is masked"), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("needs root or a polkit rule"), std::string::npos) << start.err;
  EXPECT_EQ(all_allowed_cpus(), (std::vector<std::string>{"", "", ""}));
  EXPECT_FALSE(fs::exists(temp_ / "run/vfg/iso/qmp.sock"));
}

TEST_F(IsolationSystemdTest, ARefusedUnitUndoesTheUnitsAlreadyConfined) {
  define("iso");
  systemctl({"set-property", "--runtime", "system.slice", "AllowedCPUs=1"});
  // system.slice is confined first, then user.slice is refused.
  systemctl({"mask", "--runtime", "user.slice"});
  Ran start = vfg({"start", "iso"});
  EXPECT_NE(start.exit_code, 0);
  EXPECT_NE(start.err.find("`systemctl --no-ask-password set-property --runtime user.slice "
                           "AllowedCPUs=0` exited with status 1"),
            std::string::npos)
      << start.err;
  EXPECT_NE(start.err.find("Unit user.slice is masked"), std::string::npos) << start.err;
  EXPECT_EQ(allowed_cpus("system.slice"), "1");
  EXPECT_EQ(allowed_cpus("init.scope"), "");
  EXPECT_FALSE(fs::exists(temp_ / "run/vfg/iso/qmp.sock"));
  // QEMU was stopped, so systemd dropped its scope.
  EXPECT_TRUE(scope_gone("vfg-iso.scope"));
}

TEST_F(IsolationSystemdTest, StopGivesBackWhatAKilledSupervisorLeftConfined) {
  define("iso");
  systemctl({"set-property", "--runtime", "user.slice", "AllowedCPUs=1"});
  start_isolated("iso");
  pid_t supervisor = status("iso").value("supervisor_pid", 0);
  ASSERT_GT(supervisor, 0);
  ASSERT_EQ(inside({"kill", "-KILL", std::to_string(supervisor)}).exit_code, 0);
  // Nothing undid it: QEMU runs on and the host stays confined.
  EXPECT_EQ(all_allowed_cpus(), (std::vector<std::string>{"0", "0", "0"}));

  Ran stop = vfg({"stop", "iso", "--force"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.err.find("gave system.slice, user.slice, init.scope back the CPUs"),
            std::string::npos)
      << stop.err;
  EXPECT_EQ(all_allowed_cpus(), (std::vector<std::string>{"", "1", ""}));
  EXPECT_FALSE(fs::exists(temp_ / "run/vfg/iso/tuning.json"));
}

TEST_F(IsolationSystemdTest, TheNextStartGivesBackWhatACrashedRunLeftConfined) {
  define("iso");
  systemctl({"set-property", "--runtime", "system.slice", "AllowedCPUs=1"});
  pid_t qemu = start_isolated("iso");
  pid_t supervisor = status("iso").value("supervisor_pid", 0);
  ASSERT_GT(supervisor, 0);
  ASSERT_EQ(inside({"kill", "-KILL", std::to_string(supervisor), std::to_string(qemu)}).exit_code,
            0);
  ASSERT_TRUE(scope_gone("vfg-iso.scope"));

  // The new run must find the original values, not the confined ones.
  Ran start = vfg({"start", "iso"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.err.find("gave system.slice, user.slice, init.scope back the CPUs"),
            std::string::npos)
      << start.err;
  EXPECT_EQ(all_allowed_cpus(), (std::vector<std::string>{"0", "0", "0"}));
  Ran stop = vfg({"stop", "iso", "--force"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(all_allowed_cpus(), (std::vector<std::string>{"1", "", ""}));
}

}  // namespace
}  // namespace vfg
