#include "check/run_checks.h"

#include <gtest/gtest.h>

#include "check/render.h"
#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg::check {
namespace {

VmConfig vm_passing(const std::string& address) {
  VmConfig config;
  config.name = "win11";
  config.memory.size = 8 * kGiB;
  config.audio.enabled = false;
  GpuConfig gpu;
  gpu.address = address;
  config.gpus.push_back(gpu);
  return config;
}

TEST(Preflight, OnlyTheVmsFindingsAndTheyRefuseBadStarts) {
  // discovery's chipset-group host: the NVIDIA card shares its group with the chipset.
  HostRoot root(testing::source_path("tests/fixtures/hosts/chipset-group"));
  VmConfig config = vm_passing("0000:22:00.0");
  auto report = preflight(config, root);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->vm_name, "win11");
  for (const auto& finding : report->findings) EXPECT_EQ(finding.id.rfind("vm.", 0), 0u);
  EXPECT_EQ(report->exit_code(), 2);
  ASSERT_NE(report->find("vm.group.2"), nullptr);
  EXPECT_EQ(report->find("vm.group.2")->status, Status::kFail);
}

TEST(Preflight, AVmWithoutDevicesIsNotStoppedByTheHost) {
  // An empty tree: no KVM, no IOMMU. A VM that passes nothing still starts (TCG).
  testing::TempDir tree;
  tree.write("proc/cmdline", "quiet\n");
  VmConfig config;
  config.name = "plain";
  config.audio.enabled = false;
  auto report = preflight(config, HostRoot(tree.path()));
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->failures().empty());
  ASSERT_NE(report->find("vm.accel"), nullptr);
  EXPECT_EQ(report->find("vm.accel")->status, Status::kWarn);
}

TEST(Preflight, RefusalNamesEachFailureAndTheWayOut) {
  Report report;
  report.vm_name = "win11";
  report.findings = {
      pass("vm.accel", "runs with KVM"),
      failure("vm.memlock", "memlock limit too low: VFIO cannot pin the guest's RAM",
              "needs 9.0 GiB", "run `vfg setup` (memlock limit step), then log out and back in"),
      warn("vm.gpu.boot", "boot GPU", "", "x"),
  };
  EXPECT_EQ(render_preflight_refusal(report, false),
            "vfg: error: VM 'win11' is not ready to start: 1 check fails\n"
            "  ✗ memlock limit too low: VFIO cannot pin the guest's RAM\n"
            "      needs 9.0 GiB\n"
            "      fix: run `vfg setup` (memlock limit step), then log out and back in\n"
            "  fix the above (`vfg check win11` shows the whole report), or start anyway with "
            "`vfg start --no-check win11`\n");
}

TEST(Judge, HostThenVmFindings) {
  CheckInput input;
  input.host.system.cpu_vmx = true;
  VmConfig config = vm_passing("0000:01:00.0");
  input.vm = &config;
  Report report = judge(input);
  EXPECT_EQ(report.vm_name, "win11");
  ASSERT_FALSE(report.findings.empty());
  EXPECT_EQ(report.findings.front().id, "cpu.virt");
  EXPECT_EQ(report.findings.back().id.rfind("vm.", 0), 0u);
  EXPECT_EQ(judge_preflight(input).findings.front().id, "vm.accel");
}

}  // namespace
}  // namespace vfg::check
