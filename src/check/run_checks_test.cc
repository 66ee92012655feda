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
  auto report = preflight(config, HostReading(root));
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
  auto report = preflight(config, HostReading(HostRoot(tree.path())));
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

namespace vfg::check {
namespace {

TEST(VmUsb, ByPortAndByIdOnTheTuringDesktop) {
  HostRoot root(testing::source_path("tests/fixtures/hosts/nvidia-turing"));
  auto state = read_system_state(root);
  ASSERT_TRUE(state);
  state->identity = Identity{1000, "alice", 1000, {1000}};
  state->groups = {{"kvm", 104, {}}, {"alice", 1000, {}}};
  VmConfig config;
  config.usb = {UsbHostConfig{1, "3.1", 0, 0}, UsbHostConfig{0, "", 0x045e, 0x0b12},
                UsbHostConfig{1, "7", 0, 0}};
  VmResourceFacts facts = gather_vm_resources(root, config);
  ASSERT_EQ(facts.usb.size(), 3u);
  ASSERT_EQ(facts.usb[0].size(), 1u);
  EXPECT_EQ(facts.usb[0][0].second.path, "/dev/bus/usb/001/003");

  // The nodes are root's 0644, as udev leaves them: not writable for alice.
  auto findings = check_vm_usb(config, *state, facts, {});
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].status, Status::kFail);
  EXPECT_EQ(findings[0].title,
            "USB port 1-3.1 (Logitech USB Receiver) is not readable and writable by alice");
  EXPECT_EQ(findings[0].fix,
            "give alice read-write access to it with a udev rule (a chown is lost on every "
            "replug)");
  SetupExpectations setup;
  setup.known = true;
  setup.files = {
      {"/etc/udev/rules.d/99-vfg-passthrough.rules", "rules\n", false, NeedKind::kDeviceAccess}};
  EXPECT_EQ(check_vm_usb(config, *state, facts, setup)[1].fix,
            "run `vfg setup` (udev rule for this USB device: "
            "/etc/udev/rules.d/99-vfg-passthrough.rules)");
  EXPECT_EQ(findings[2].status, Status::kWarn);
  EXPECT_EQ(findings[2].title, "nothing is plugged in as USB port 1-7 now");

  // With the rule in place (group kvm, 0660) they pass.
  for (auto& matches : facts.usb)
    for (auto& [device, node] : matches) {
      node.gid = 104;
      node.mode = 0660;
    }
  state->identity.process_gids.push_back(104);
  findings = check_vm_usb(config, *state, facts, {});
  EXPECT_EQ(findings[0].status, Status::kPass);
  EXPECT_EQ(findings[1].status, Status::kPass);
  EXPECT_EQ(findings[1].title, "USB device 045e:0b12: Microsoft Controller usable");
}

}  // namespace
}  // namespace vfg::check
