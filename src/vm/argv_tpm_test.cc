// The TPM part of the command line: swtpm's socket in the runtime directory
// behind QEMU's emulator backend and a CRB device (what Windows 11 expects).
#include <gtest/gtest.h>

#include "vm/launch_plan.h"

namespace vfg {
namespace {

TEST(ArgvTpm, EmulatorBackendOnTheRuntimeSocketWithACrbDevice) {
  VmConfig config;
  config.name = "win11";
  config.firmware.type = FirmwareConfig::Type::kBios;
  config.audio.enabled = false;
  config.tpm = true;
  LaunchPlan plan;
  plan.paths = VmPaths::make({"/c/vfg", "/d/vfg", "/run/user/1000/vfg", "/s/vfg"}, "win11");
  auto command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command) << command.error().message;
  std::string joined = fmt::format("{}", fmt::join(command->argv, " "));
  EXPECT_NE(joined.find("-chardev socket,id=chrtpm,path=/run/user/1000/vfg/win11/tpm.sock "
                        "-tpmdev emulator,id=tpm0,chardev=chrtpm "
                        R"(-device {"driver":"tpm-crb","tpmdev":"tpm0"})"),
            std::string::npos)
      << joined;
  for (const auto& notice : command->notices) EXPECT_EQ(notice.find("tpm"), std::string::npos);

  config.tpm = false;
  command = build_qemu_argv(config, plan);
  ASSERT_TRUE(command);
  joined = fmt::format("{}", fmt::join(command->argv, " "));
  EXPECT_EQ(joined.find("tpm"), std::string::npos) << joined;
}

}  // namespace
}  // namespace vfg
