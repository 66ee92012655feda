// `vfg start` and `vfg status` with tuning, end to end through the binary:
// real QEMU (multi-threaded TCG), the busybox guest, a pinning list that fits
// this machine, and hugepages reserved for the run when root may.
#include <csignal>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <gtest/gtest.h>

#include "host/cpu_topology.h"
#include "host/hugepage_pool.h"
#include "host/process_tasks.h"
#include "support/hugepage_pool_lock.h"
#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/process.h"
#include "vm/vm_config.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;
using testing::run_vfg;
using testing::VfgRun;

class TuningCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
      FAIL() << "the test guest is missing; run scripts/build-guest.sh build/guest";
    if (scan_cpu_topology(HostRoot()).online.size() < 2) FAIL() << "needs 2 online CPUs";
  }

  void define(const std::string& name, const std::string& memory, const std::string& cpu) const {
    temp_.write("config/vfg/" + name + ".toml",
                fmt::format("os = \"linux\"\naccel = \"tcg\"\n[memory]\n{}\n[cpu]\n{}\n"
                            "[firmware]\ntype = \"bios\"\n[audio]\nenabled = false\n"
                            "[network]\nmode = \"none\"\n"
                            "[boot]\nkernel = \"{}/vmlinuz\"\ninitrd = \"{}/initrd.gz\"\n"
                            "append = \"console=ttyS0 quiet\"\n",
                            memory, cpu, VFG_GUEST_DIR, VFG_GUEST_DIR));
  }

  VfgRun vfg(const std::vector<std::string>& args) const {
    return run_vfg(args, {{"XDG_CONFIG_HOME", (temp_ / "config").string()},
                          {"XDG_DATA_HOME", (temp_ / "data").string()},
                          {"XDG_RUNTIME_DIR", (temp_ / "run").string()},
                          {"XDG_STATE_HOME", (temp_ / "state").string()}});
  }

  testing::TempDir temp_;
};

TEST_F(TuningCliTest, StartPrintsThePlanAndStatusShowsItApplied) {
  define("pinned", "size = \"256M\"", "cores = 2\nthreads = 1\npin = [1, 0]");
  VfgRun start = vfg({"start", "pinned"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.out.find("pinning: 2 vCPUs as 1 × 2 × 1 (sockets × cores × threads)"),
            std::string::npos)
      << start.out;
  EXPECT_NE(start.out.find("pinning: vCPU 0 → CPU 1"), std::string::npos) << start.out;
  EXPECT_NE(start.out.find("pinning: vCPU 1 → CPU 0"), std::string::npos) << start.out;

  VfgRun status = vfg({"status", "pinned", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto doc = nlohmann::json::parse(status.out);
  pid_t qemu = doc["pid"].get<pid_t>();
  const auto& threads = doc["tuning"]["pinning"]["applied"]["threads"];
  size_t vcpus = 0;
  for (const auto& thread : threads) {
    // What the record says matches what /proc says now.
    auto task = read_task(HostRoot(), qemu, thread["tid"].get<pid_t>());
    ASSERT_TRUE(task && task->cpus_allowed);
    EXPECT_EQ(format_cpu_list(*task->cpus_allowed), thread["cpus"].get<std::string>());
    if (thread["role"] == "vcpu") {
      ++vcpus;
      EXPECT_EQ(thread["cpus"], thread["vcpu"] == 0 ? "1" : "0");
    }
  }
  EXPECT_EQ(vcpus, 2u);

  VfgRun human = vfg({"status", "pinned"});
  EXPECT_NE(human.out.find("  vCPU 0 (thread "), std::string::npos) << human.out;
  EXPECT_NE(human.out.find(") → CPU 1"), std::string::npos) << human.out;
  ASSERT_EQ(vfg({"stop", "pinned", "--force"}).exit_code, 0);
}

TEST_F(TuningCliTest, PinningThatDoesNotFitIsRefusedBeforeAnythingRuns) {
  define("toolarge", "size = \"256M\"", "cores = 2\nthreads = 1\npin = [1, 7999]");
  VfgRun start = vfg({"start", "toolarge"});
  EXPECT_NE(start.exit_code, 0);
  EXPECT_NE(start.err.find("cpu.pin names CPU 7999, which is not online"), std::string::npos)
      << start.err;
  EXPECT_FALSE(fs::exists(temp_ / "run/vfg/toolarge/qmp.sock"));
}

// Root only: runs of a VM that asks for 64 pages of 2 MiB more than the pool
// has free, with --allocate-hugepages; the pool gets its size back whatever happens.
class HugepageRunTest : public TuningCliTest {
 protected:
  void SetUp() override {
    TuningCliTest::SetUp();
    before_ = read_hugepage_pool(HostRoot(), 2 * kMiB);
    if (::geteuid() != 0 || !before_) GTEST_SKIP() << "needs root and a 2 MiB hugepage pool";
    pages_ = before_->available() + 64;  // also the 128 MiB the guest needs at least
    define("huge", fmt::format("size = \"{}M\"\nhugepages = \"2M\"\nprealloc = true", pages_ * 2),
           "cores = 1\nthreads = 1\npin = \"off\"");
  }

  void TearDown() override {
    if (before_) (void)write_hugepage_total(HostRoot(), 2 * kMiB, before_->total);
  }

  [[nodiscard]] static HugepageCounts pool() {
    return read_hugepage_pool(HostRoot(), 2 * kMiB).value_or(HugepageCounts{});
  }

  testing::HugepagePoolLock pool_lock_;  // held from before SetUp to after TearDown
  std::optional<HugepageCounts> before_;
  uint64_t pages_ = 0;
};

TEST_F(HugepageRunTest, ReservesForTheRunAndReleasesAtStop) {
  VfgRun start = vfg({"start", "huge", "--allocate-hugepages"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(pool().total, before_->total + 64);
  // QEMU preallocated them all: none of ours is left free.
  EXPECT_EQ(pool().free, before_->free - (pages_ - 64));
  VfgRun status = vfg({"status", "huge", "--json"});
  auto doc = nlohmann::json::parse(status.out);
  EXPECT_EQ(doc["tuning"]["hugepages"]["added"], 64);
  ASSERT_EQ(vfg({"stop", "huge", "--force"}).exit_code, 0);
  EXPECT_EQ(pool().total, before_->total);
}

// A supervisor killed with SIGKILL cannot release its pages; the run's record
// keeps the count, and the next stop gives back exactly that.
TEST_F(HugepageRunTest, AKilledSupervisorsPagesAreReleasedByTheNextStop) {
  VfgRun start = vfg({"start", "huge", "--allocate-hugepages"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  auto doc = nlohmann::json::parse(vfg({"status", "huge", "--json"}).out);
  auto supervisor = doc["supervisor_pid"].get<pid_t>();
  ASSERT_EQ(::kill(supervisor, SIGKILL), 0);
  ASSERT_TRUE(wait_for_pid_exit(supervisor, std::chrono::seconds(10)));
  EXPECT_EQ(pool().total, before_->total + 64);

  VfgRun stop = vfg({"stop", "huge", "--force"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.err.find("released the 64 hugepages of 2 MiB an earlier run had reserved"),
            std::string::npos)
      << stop.err;
  EXPECT_EQ(pool().total, before_->total);
  // Nothing is left to release twice.
  EXPECT_FALSE(fs::exists(temp_ / "run/vfg/huge/tuning.json"));
  VfgRun again = vfg({"start", "huge"});
  EXPECT_EQ(again.err.find("released"), std::string::npos) << again.err;
  EXPECT_EQ(pool().total, before_->total);
  vfg({"stop", "huge", "--force"});
}

}  // namespace
}  // namespace vfg
