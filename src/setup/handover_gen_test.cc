#include "setup/handover_gen.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "setup/planner.h"

namespace vfg {
namespace {

SetupRequest request_with_start_card() {
  SetupRequest request;
  request.handover = {{{"0000:03:00.0", 0x1002, 0x73bf, 0x030000, "amdgpu"},
                       {"0000:03:00.1", 0x1002, 0xab28, 0x040300, "snd_hda_intel"}}};
  request.user = {"alice", 1000, {"vfio"}};
  request.group = "vfio";
  request.vfg_binary = "/usr/bin/vfg";
  return request;
}

SetupFacts debian_facts() {
  SetupFacts facts;
  facts.boot.bootloader = Bootloader::kGrub;
  facts.boot.initramfs = InitramfsTool::kInitramfsTools;
  facts.existing_groups = {"vfio"};
  return facts;
}

const FileEdit* find_file(const HostPlan& plan, std::string_view path) {
  for (const auto& edit : plan.files)
    if (edit.path == path) return &edit;
  return nullptr;
}

TEST(HandoverSetup, AStartCardGetsTheServiceAndNoBootBinding) {
  HostPlan plan = plan_setup(debian_facts(), request_with_start_card());
  const FileEdit* allow = find_file(plan, "/etc/vfg/handover.allow");
  ASSERT_NE(allow, nullptr);
  auto cards = parse_allowlist(allow->new_contents, allow->path);
  ASSERT_TRUE(cards) << cards.error().message;
  ASSERT_EQ(cards->size(), 1U);
  EXPECT_EQ((*cards)[0].functions.size(), 2U);
  const FileEdit* unit = find_file(plan, "/etc/systemd/system/vfg-handover-release@.service");
  ASSERT_NE(unit, nullptr);
  EXPECT_NE(unit->new_contents.find("ExecStart=/usr/bin/vfg handover-service release %I\n"),
            std::string::npos);
  ASSERT_NE(find_file(plan, "/etc/systemd/system/vfg-handover-return@.service"), nullptr);
  const FileEdit* rule = find_file(plan, "/etc/polkit-1/rules.d/50-vfg-handover.rules");
  ASSERT_NE(rule, nullptr);
  EXPECT_NE(rule->new_contents.find("subject.isInGroup(\"vfio\")"), std::string::npos);
  // The card is not the initramfs' or modprobe's business: nothing binds it at boot.
  EXPECT_EQ(find_file(plan, "/etc/modprobe.d/vfg-vfio.conf"), nullptr);
  EXPECT_TRUE(plan.targets.vfio_devices.empty());
  bool reloads = std::any_of(plan.commands.begin(), plan.commands.end(), [](const auto& c) {
    return c.argv == std::vector<std::string>{"systemctl", "daemon-reload"};
  });
  EXPECT_TRUE(reloads);
}

TEST(HandoverSetup, SingleGpuAddsItsServiceAndLetsOnlyTheOwnerAsk) {
  HostPlan without = plan_setup(debian_facts(), request_with_start_card());
  EXPECT_EQ(find_file(without, "/etc/systemd/system/vfg-single-gpu@.service"), nullptr);
  EXPECT_EQ(find_file(without, "/etc/polkit-1/rules.d/50-vfg-handover.rules")
                ->new_contents.find("vfg-single-gpu@"),
            std::string::npos);

  SetupRequest request = request_with_start_card();
  request.single_gpu = true;
  HostPlan plan = plan_setup(debian_facts(), request);
  const FileEdit* unit = find_file(plan, "/etc/systemd/system/vfg-single-gpu@.service");
  ASSERT_NE(unit, nullptr);
  for (std::string_view line :
       {"ExecStart=/usr/bin/vfg single-gpu-service run %I\n",
        "ExecStopPost=/usr/bin/vfg single-gpu-service restore %I\n", "KillMode=mixed\n"})
    EXPECT_NE(unit->new_contents.find(line), std::string::npos) << line;
  const std::string& rule =
      find_file(plan, "/etc/polkit-1/rules.d/50-vfg-handover.rules")->new_contents;
  EXPECT_NE(rule.find("run[1] == subject.user"), std::string::npos);
  EXPECT_NE(rule.find("verb == \"stop\""), std::string::npos);
}

}  // namespace
}  // namespace vfg
