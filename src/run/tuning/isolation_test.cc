#include "run/tuning/isolation.h"

#include <gtest/gtest.h>

#include "util/strings.h"

namespace vfg {
namespace {

TEST(Isolation, ConfinesTheHostSlicesAndGivesEveryCpuBack) {
  IsolationPlan plan =
      plan_isolation("win11", {0, 8}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  EXPECT_EQ(join(plan.move_qemu, " "),
            "busctl call --quiet org.freedesktop.systemd1 /org/freedesktop/systemd1 "
            "org.freedesktop.systemd1.Manager StartTransientUnit ssa(sv)a(sa(sv)) "
            "vfg-win11.scope fail 2 Slice s machine.slice PIDs au 1");
  ASSERT_EQ(plan.restrict_host.size(), 3u);
  EXPECT_EQ(join(plan.restrict_host[0], " "),
            "systemctl --no-ask-password set-property --runtime system.slice AllowedCPUs=0,8");
  EXPECT_EQ(join(plan.restrict_host[1], " "),
            "systemctl --no-ask-password set-property --runtime user.slice AllowedCPUs=0,8");
  EXPECT_EQ(join(plan.restrict_host[2], " "),
            "systemctl --no-ask-password set-property --runtime init.scope AllowedCPUs=0,8");
  EXPECT_EQ(join(plan.restore_host[1], " "),
            "systemctl --no-ask-password set-property --runtime user.slice AllowedCPUs=0-15");
  // QEMU goes to machine.slice, which is never among the restricted units.
  EXPECT_EQ(plan.units, (std::vector<std::string>{"system.slice", "user.slice", "init.scope"}));
}

}  // namespace
}  // namespace vfg
