#include "check/single_gpu_check.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg::check {
namespace {

VmConfig single_gpu_vm(std::string keyboard) {
  VmConfig config;
  config.name = "win11";
  config.single_gpu.enabled = true;
  config.single_gpu.keyboard = std::move(keyboard);
  return config;
}

const Finding* find(const std::vector<Finding>& findings, std::string_view id) {
  for (const auto& finding : findings)
    if (finding.id == id) return &finding;
  return nullptr;
}

TEST(SingleGpuCheck, ABareHostLacksTheServiceAndTheDisplayManager) {
  testing::TempDir tree;
  tree.mkdir("etc/systemd/system");
  VmConfig config = single_gpu_vm("/dev/input/by-id/kbd-event-kbd");
  auto findings =
      check_vm_single_gpu(config, gather_single_gpu_facts(HostRoot(tree.path()), config, "alice"));
  EXPECT_EQ(find(findings, "vm.single_gpu.service")->status, Status::kFail);
  EXPECT_NE(find(findings, "vm.single_gpu.service")->fix.find("vfg setup win11"),
            std::string::npos);
  EXPECT_EQ(find(findings, "vm.single_gpu.display_manager")->status, Status::kWarn);
  EXPECT_EQ(find(findings, "vm.single_gpu.keyboard")->status, Status::kFail);
  EXPECT_EQ(find(findings, "vm.single_gpu.last_run"), nullptr);
}

TEST(SingleGpuCheck, ASetUpHostPassesAndTheLastRunIsShown) {
  testing::TempDir tree;
  tree.write("etc/systemd/system/vfg-single-gpu@.service", "[Service]\n");
  tree.write("lib/systemd/system/gdm.service", "[Service]\n");
  tree.symlink("etc/systemd/system/display-manager.service", "/lib/systemd/system/gdm.service");
  tree.write("var/lib/vfg-single-gpu/alice:win11.last",
             "2026-12-07 05:00 the VM ended (exited with status 0); the desktop came back\n");
  VmConfig config = single_gpu_vm("");
  auto findings =
      check_vm_single_gpu(config, gather_single_gpu_facts(HostRoot(tree.path()), config, "alice"));
  EXPECT_EQ(find(findings, "vm.single_gpu.service")->status, Status::kPass);
  EXPECT_EQ(find(findings, "vm.single_gpu.display_manager")->title, "display manager: gdm.service");
  EXPECT_EQ(find(findings, "vm.single_gpu.keyboard")->status, Status::kWarn);
  const Finding* last = find(findings, "vm.single_gpu.last_run");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->status, Status::kPass);
  EXPECT_NE(last->title.find("the desktop came back"), std::string::npos);
}

TEST(SingleGpuCheck, ALastRunThatLeftSomethingBehindWarns) {
  testing::TempDir tree;
  tree.write("var/lib/vfg-single-gpu/alice:win11.last",
             "2026-12-07 05:00 the host key chord was held; not back: the display manager "
             "(display-manager.service) did not start again (fix it, then `systemctl start "
             "display-manager.service`)\n");
  VmConfig config = single_gpu_vm("");
  auto findings =
      check_vm_single_gpu(config, gather_single_gpu_facts(HostRoot(tree.path()), config, "alice"));
  EXPECT_EQ(find(findings, "vm.single_gpu.last_run")->status, Status::kWarn);
}

TEST(SingleGpuCheck, NothingForAnOrdinaryVm) {
  VmConfig config;
  EXPECT_TRUE(check_vm_single_gpu(config, {}).empty());
}

}  // namespace
}  // namespace vfg::check
