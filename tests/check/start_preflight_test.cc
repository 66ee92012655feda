// `vfg start` runs the VM's readiness checks first: on this machine a VM that
// passes a GPU fails them whenever the IOMMU is off, and --no-check goes on
// regardless, saying so.
#include <filesystem>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

using testing::run_vfg;

bool iommu_on() {
  std::error_code ec;
  return std::filesystem::exists("/sys/kernel/iommu_groups", ec) &&
         !std::filesystem::is_empty("/sys/kernel/iommu_groups", ec);
}

TEST(StartPreflight, RefusesAFailingVmAndNoCheckOverridesLoudly) {
  testing::TempDir home;
  home.write("config/vfg/game.toml",
             "[memory]\nsize = \"1G\"\n\n[audio]\nenabled = false\n\n"
             "[[gpu]]\naddress = \"0000:7f:1f.0\"\n");
  std::vector<std::pair<std::string, std::string>> env = {
      {"XDG_CONFIG_HOME", (home / "config").string()},
      {"XDG_DATA_HOME", (home / "data").string()},
      {"XDG_RUNTIME_DIR", (home / "run").string()},
      {"XDG_STATE_HOME", (home / "state").string()}};
  auto refused = run_vfg({"start", "game"}, env);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.out, "");
  EXPECT_NE(refused.err.find("vfg: error: VM 'game' is not ready to start"), std::string::npos)
      << refused.err;
  // No such device here, whatever the machine.
  EXPECT_NE(refused.err.find("✗ 0000:7f:1f.0 is not a PCI device on this host"), std::string::npos)
      << refused.err;
  if (!iommu_on()) {
    EXPECT_NE(refused.err.find("the VM passes 0000:7f:1f.0 but the IOMMU is off"),
              std::string::npos);
  }
  EXPECT_NE(refused.err.find("`vfg start --no-check game`"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(home / "run/vfg/game/qemu.pid"));

  auto forced = run_vfg({"start", "--no-check", "game"}, env);
  EXPECT_NE(forced.err.find("vfg: warning: starting 'game' without its readiness checks "
                            "(--no-check)"),
            std::string::npos)
      << forced.err;
  EXPECT_EQ(forced.err.find("is not ready to start"), std::string::npos);
  // The launch itself still cannot find the card: the planner says so instead.
  EXPECT_NE(forced.exit_code, 0);
}

}  // namespace
}  // namespace vfg
