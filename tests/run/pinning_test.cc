// Pinning a real QEMU (multi-threaded TCG gives one host thread per vCPU)
// running the busybox guest: the plan comes from this machine's topology, is
// applied while QEMU is paused, and every thread's affinity is then checked
// independently through /proc.
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "host/cpu_topology.h"
#include "host/process_tasks.h"
#include "run/launcher.h"
#include "run/stopper.h"
#include "run/tuning/pin_apply.h"
#include "run/tuning/tuning.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/qemu_caps.h"

namespace vfg {
namespace {

// Pinning alone, through the steps `vfg start` adds.
void add_pinning(LaunchRequest& request, PinPlan plan) {
  Tuning tuning;
  tuning.pin = std::move(plan);
  add_tuning_steps(request, tuning);
}

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class PinningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
      FAIL() << "the test guest is missing; run scripts/build-guest.sh build/guest";
    topology_ = scan_cpu_topology(HostRoot());
    if (topology_.online.size() < 2) FAIL() << "pinning tests need at least 2 online CPUs";
  }

  VmPaths paths() const {
    XdgDirs dirs{temp_ / "config/vfg", temp_ / "data/vfg", temp_ / "run/vfg", temp_ / "state/vfg"};
    return VmPaths::make(dirs, "pinned");
  }

  LaunchRequest request(int vcpus, const std::string& accel) const {
    LaunchRequest request;
    request.paths = paths();
    request.argv = {"qemu-system-x86_64",
                    "-name",
                    "pinned,debug-threads=on",
                    "-machine",
                    "q35",
                    "-accel",
                    accel,
                    "-smp",
                    std::to_string(vcpus),
                    "-m",
                    "256",
                    "-nodefaults",
                    "-no-user-config",
                    "-display",
                    "none",
                    "-object",
                    "iothread,id=io0",
                    "-kernel",
                    std::string(VFG_GUEST_DIR) + "/vmlinuz",
                    "-initrd",
                    std::string(VFG_GUEST_DIR) + "/initrd.gz",
                    "-append",
                    "console=ttyS0 quiet",
                    "-serial",
                    "file:" + request.paths.serial_log.string()};
    // The launcher's monitors, spelled as this QEMU wants (-mon is deprecated in 11.1).
    auto qemu = probe_qemu();
    request.monitor_object = qemu && qemu->monitor_object;
    request.accelerator = "tcg";
    return request;
  }

  // The plan the definition `pin = [cpus...]` gives on this machine.
  PinPlan plan_for(const std::vector<uint32_t>& cpus) const {
    VmConfig config;
    config.cpu.sockets = 1;
    config.cpu.cores = static_cast<uint32_t>(cpus.size());
    config.cpu.threads = 1;
    config.cpu.pin.mode = CpuPin::Mode::kList;
    config.cpu.pin.host_cpus = cpus;
    auto plan = plan_pinning(topology_, config, PinHost{});
    EXPECT_TRUE(plan) << plan.error().message;
    return plan.value_or(PinPlan{});
  }

  void stop() const {
    StopRequest stop;
    stop.paths = paths();
    stop.force = true;
    HostRoot live;
    auto outcome = stop_vm(live, stop);
    EXPECT_TRUE(outcome) << outcome.error().message;
  }

  // Every thread of QEMU, by name, with its affinity straight from /proc.
  static std::map<std::string, std::vector<std::string>> affinities(pid_t qemu) {
    std::map<std::string, std::vector<std::string>> by_name;
    HostRoot live;
    for (pid_t tid : list_tasks(live, qemu)) {
      auto task = read_task(live, qemu, tid);
      if (!task || !task->cpus_allowed) continue;
      by_name[task->name].push_back(format_cpu_list(*task->cpus_allowed));
    }
    return by_name;
  }

  CpuTopology topology_;
  testing::TempDir temp_;
};

TEST_F(PinningTest, OneVcpuOnCpu1AndTheEmulatorOnCpu0) {
  PinPlan plan = plan_for({1});
  ASSERT_EQ(format_cpu_list(plan.emulator_cpus), "0");
  plan.iothread_cpus = {0};
  LaunchRequest req = request(1, "tcg,thread=multi");
  fs::path record = tuning_record_path(paths());
  add_pinning(req, plan);
  auto info = start_detached(std::move(req));
  ASSERT_TRUE(info) << info.error().message;

  auto threads = affinities(info->qemu_pid);
  ASSERT_EQ(threads["CPU 0/TCG"], std::vector<std::string>{"1"});
  ASSERT_EQ(threads["IO io0"], std::vector<std::string>{"0"});
  size_t others = 0;
  for (const auto& [name, sets] : threads) {
    if (name == "CPU 0/TCG") continue;
    for (const auto& set : sets) {
      EXPECT_EQ(set, "0") << name;
      ++others;
    }
  }
  EXPECT_GE(others, 2u);  // the main loop, call_rcu, the I/O thread at least

  auto text = read_file(record);
  ASSERT_TRUE(text) << text.error().message;
  auto doc = nlohmann::json::parse(*text);
  AppliedPinning applied = AppliedPinning::from_json(doc["pinning"]["applied"]);
  EXPECT_EQ(applied.qemu_pid, info->qemu_pid);
  size_t vcpus = 0;
  for (const auto& thread : applied.threads) {
    if (thread.role != "vcpu") continue;
    ++vcpus;
    EXPECT_EQ(thread.name, "CPU 0/TCG");
    EXPECT_EQ(format_cpu_list(thread.cpus), "1");
  }
  EXPECT_EQ(vcpus, 1u);
  stop();
  EXPECT_FALSE(fs::exists(record));
}

TEST_F(PinningTest, TwoVcpusEachOnItsOwnCpu) {
  PinPlan plan = plan_for({1, 0});
  // Every CPU runs a vCPU, so QEMU's own threads share all of them.
  ASSERT_EQ(format_cpu_list(plan.emulator_cpus), "0-1");
  LaunchRequest req = request(2, "tcg,thread=multi");
  add_pinning(req, plan);
  auto info = start_detached(std::move(req));
  ASSERT_TRUE(info) << info.error().message;
  auto threads = affinities(info->qemu_pid);
  EXPECT_EQ(threads["CPU 0/TCG"], std::vector<std::string>{"1"});
  EXPECT_EQ(threads["CPU 1/TCG"], std::vector<std::string>{"0"});
  EXPECT_EQ(threads["IO io0"], std::vector<std::string>{"0-1"});
  stop();
}

TEST_F(PinningTest, SingleThreadedTcgIsRefusedBeforeTheGuestRuns) {
  PinPlan plan = plan_for({1, 0});
  LaunchRequest req = request(2, "tcg,thread=single");
  add_pinning(req, plan);
  auto info = start_detached(std::move(req));
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("pinning vCPUs: the 2 vCPUs share 1 host thread(s)"),
            std::string::npos)
      << info.error().message;
  EXPECT_FALSE(fs::exists(paths().qmp_socket));
}

TEST(PinApply, VcpuThreadsComeFromTheTopLevelThreadId) {
  // query-cpus-fast as QEMU 7.2 answers with -smp 4,cores=2,threads=2.
  auto reply = nlohmann::json::parse(R"([
    {"thread-id": 10531, "props": {"core-id": 0, "thread-id": 0, "socket-id": 0},
     "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, "target": "x86_64"},
    {"thread-id": 10533, "props": {"core-id": 0, "thread-id": 1, "socket-id": 0},
     "qom-path": "/machine/unattached/device[1]", "cpu-index": 1, "target": "x86_64"},
    {"thread-id": 10534, "props": {"core-id": 1, "thread-id": 0, "socket-id": 0},
     "qom-path": "/machine/unattached/device[2]", "cpu-index": 3, "target": "x86_64"},
    {"thread-id": 10532, "props": {"core-id": 1, "thread-id": 1, "socket-id": 0},
     "qom-path": "/machine/unattached/device[3]", "cpu-index": 2, "target": "x86_64"}])");
  auto tids = vcpu_threads(reply);
  ASSERT_TRUE(tids) << tids.error().message;
  EXPECT_EQ(*tids, (std::vector<pid_t>{10531, 10533, 10532, 10534}));
  auto io = iothreads(nlohmann::json::parse(R"([{"id": "io0", "thread-id": 10522}])"));
  ASSERT_TRUE(io);
  EXPECT_EQ(io->at(0), (std::pair<std::string, pid_t>{"io0", 10522}));
}

TEST(PinApply, ReadsThreadsAndCgroupCpusFromProc) {
  testing::TempDir tree;
  tree.write("proc/77/task/77/comm", "qemu-system-x86\n");
  tree.write("proc/77/task/77/status",
             "Name:\tqemu-system-x86\nCpus_allowed:\t3\n"
             "Cpus_allowed_list:\t0-1\nMems_allowed:\t1\n");
  tree.write("proc/77/task/80/comm", "CPU 0/KVM\n");
  tree.write("proc/77/task/80/status", "Name:\tCPU 0/KVM\nCpus_allowed_list:\t4\n");
  tree.write("proc/77/cgroup", "0::/user.slice/user-1000.slice/session-2.scope\n");
  tree.write("sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope/cpuset.cpus.effective",
             "0-3\n");
  HostRoot root(tree.path());
  EXPECT_EQ(list_tasks(root, 77), (std::vector<pid_t>{77, 80}));
  auto task = read_task(root, 77, 80);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->name, "CPU 0/KVM");
  EXPECT_EQ(task->cpus_allowed, std::vector<int>{4});
  EXPECT_EQ(cgroup_cpus(root, 77), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_FALSE(read_task(root, 77, 81));
}

}  // namespace
}  // namespace vfg
