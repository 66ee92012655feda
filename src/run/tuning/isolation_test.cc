#include "run/tuning/isolation.h"

#include <gtest/gtest.h>

#include "util/strings.h"

namespace vfg {
namespace {

TEST(Isolation, ConfinesTheHostSlicesAfterReadingWhatTheyHad) {
  IsolationPlan plan = plan_isolation("win11", {0, 8});
  EXPECT_EQ(plan.scope, "vfg-win11.scope");
  EXPECT_EQ(join(plan.move_qemu, " "),
            "busctl call --quiet org.freedesktop.systemd1 /org/freedesktop/systemd1 "
            "org.freedesktop.systemd1.Manager StartTransientUnit ssa(sv)a(sa(sv)) "
            "vfg-win11.scope fail 2 Slice s machine.slice PIDs au 1");
  // QEMU goes to machine.slice, which is never among the restricted units.
  EXPECT_EQ(plan.units, (std::vector<std::string>{"system.slice", "user.slice", "init.scope"}));
  ASSERT_EQ(plan.read_host.size(), 3u);
  EXPECT_EQ(join(plan.read_host[1], " "),
            "systemctl show --property=AllowedCPUs --value user.slice");
  ASSERT_EQ(plan.restrict_host.size(), 3u);
  EXPECT_EQ(join(plan.restrict_host[0], " "),
            "systemctl --no-ask-password set-property --runtime system.slice AllowedCPUs=0,8");
  EXPECT_EQ(join(plan.restrict_host[1], " "),
            "systemctl --no-ask-password set-property --runtime user.slice AllowedCPUs=0,8");
  EXPECT_EQ(join(plan.restrict_host[2], " "),
            "systemctl --no-ask-password set-property --runtime init.scope AllowedCPUs=0,8");
}

TEST(Isolation, RestoresExactlyWhatEachUnitHadLastChangedFirst) {
  // An unset value is put back unset (an empty assignment), a set one as it was.
  AppliedIsolation applied{{{"system.slice", ""}, {"user.slice", "0-3 8-11"}}};
  auto commands = restore_commands(applied);
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(join(commands[0], " "),
            "systemctl --no-ask-password set-property --runtime user.slice AllowedCPUs=0-3 8-11");
  EXPECT_EQ(join(commands[1], " "),
            "systemctl --no-ask-password set-property --runtime system.slice AllowedCPUs=");
  EXPECT_TRUE(restore_commands(AppliedIsolation{}).empty());
}

TEST(Isolation, TheRecordRoundTripsThroughJson) {
  AppliedIsolation applied{{{"system.slice", ""}, {"init.scope", "0-15"}}};
  auto back = AppliedIsolation::from_json(applied.to_json());
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->units.size(), 2u);
  EXPECT_EQ(back->units[1].unit, "init.scope");
  EXPECT_EQ(back->units[1].previous, "0-15");
  EXPECT_EQ(back->units[0].previous, "");
  // A record without the previous values cannot be restored from.
  auto old = AppliedIsolation::from_json(
      nlohmann::json::parse(R"({"host_cpus": "0", "units": ["system.slice"]})"));
  EXPECT_FALSE(old);
}

}  // namespace
}  // namespace vfg
