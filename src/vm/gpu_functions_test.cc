// Cards whose functions span two slots: AMD Navi and Intel Arc put the HDMI
// audio on another bus behind the card's own PCIe switch. functions = "all"
// passes it too, as the next function of the same guest device.
#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "vm/launch_planner.h"

namespace vfg {
namespace {

TEST(GpuFunctions, AllTakesTheAudioBehindTheCardsSwitch) {
  testing::TempDir temp;
  XdgDirs dirs{temp / "config/vfg", temp / "data/vfg", temp / "run/vfg", temp / "state/vfg"};
  for (auto [fixture, gpu, audio] : {std::tuple{"amd-navi", "0000:0c:00.0", "0000:0d:00.0"},
                                     std::tuple{"intel-arc", "0000:05:00.0", "0000:06:00.0"}}) {
    HostRoot root(testing::source_path(std::string("tests/fixtures/hosts/") + fixture));
    VmConfig config;
    config.name = "win";
    config.firmware.type = FirmwareConfig::Type::kBios;
    config.audio.enabled = false;
    config.gpus.push_back(GpuConfig{gpu, true, {}, "", false});
    auto plan = plan_launch(config, root, dirs);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->gpu_functions, (std::vector<std::vector<std::string>>{{gpu, audio}}))
        << fixture;

    auto command = build_qemu_argv(config, *plan);
    ASSERT_TRUE(command) << command.error().message;
    std::string joined = fmt::format("{}", fmt::join(command->argv, " "));
    EXPECT_NE(joined.find(fmt::format(R"({{"driver":"vfio-pci","host":"{}","id":"gpu0-0",)"
                                      R"("bus":"rp0","addr":"00.0","multifunction":true}})",
                                      gpu)),
              std::string::npos)
        << joined;
    EXPECT_NE(joined.find(fmt::format(R"({{"driver":"vfio-pci","host":"{}","id":"gpu0-1",)"
                                      R"("bus":"rp0","addr":"00.1"}})",
                                      audio)),
              std::string::npos)
        << joined;
  }
}

}  // namespace
}  // namespace vfg
