// The parts of the command line that follow the probed QEMU rather than the
// definition: how the QMP monitor and thread names are spelled.
#include <gtest/gtest.h>

#include "vm/launch_plan.h"

namespace vfg {
namespace {

VmConfig linux_guest() {
  VmConfig config;
  config.name = "demo";
  config.os = GuestOs::kLinux;
  config.firmware.type = FirmwareConfig::Type::kBios;
  config.audio.enabled = false;
  config.boot.kernel = "/boot/vmlinuz";
  return config;
}

LaunchPlan plan_with(const QemuCapabilities& qemu) {
  LaunchPlan plan;
  plan.kvm = false;
  plan.qemu = qemu;
  plan.paths = VmPaths::make({"/c/vfg", "/d/vfg", "/run/user/1000/vfg", "/s/vfg"}, "demo");
  return plan;
}

/// The words after `option`, for each time it appears.
std::vector<std::string> values_of(const std::vector<std::string>& argv,
                                   const std::string& option) {
  std::vector<std::string> values;
  for (size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == option) values.push_back(argv[i + 1]);
  return values;
}

TEST(ArgvQemuVersions, QemuSevenTwoGetsQmpAndDebugThreads) {
  QemuCapabilities qemu;  // 7.2: no monitor object, threads named on request
  auto command = build_qemu_argv(linux_guest(), plan_with(qemu));
  ASSERT_TRUE(command) << command.error().message;
  EXPECT_EQ(values_of(command->argv, "-name"), std::vector<std::string>{"demo,debug-threads=on"});
  EXPECT_EQ(values_of(command->argv, "-qmp"),
            std::vector<std::string>{"unix:/run/user/1000/vfg/demo/qmp.sock,server=on,wait=off"});
  EXPECT_TRUE(values_of(command->argv, "-object").size() == 1);  // the RAM backend only
}

// QEMU 11.1 deprecates -mon (which -qmp stands for) and debug-threads.
TEST(ArgvQemuVersions, QemuElevenOneGetsAMonitorObjectAndPlainName) {
  QemuCapabilities qemu;
  qemu.monitor_object = true;
  qemu.thread_names_on_request = false;
  auto command = build_qemu_argv(linux_guest(), plan_with(qemu));
  ASSERT_TRUE(command) << command.error().message;
  EXPECT_EQ(values_of(command->argv, "-name"), std::vector<std::string>{"demo"});
  EXPECT_TRUE(values_of(command->argv, "-qmp").empty());
  auto chardevs = values_of(command->argv, "-chardev");
  EXPECT_NE(std::find(chardevs.begin(), chardevs.end(),
                      "socket,id=qmp,path=/run/user/1000/vfg/demo/qmp.sock,server=on,wait=off"),
            chardevs.end());
  auto objects = values_of(command->argv, "-object");
  EXPECT_NE(std::find(objects.begin(), objects.end(),
                      R"({"qom-type":"monitor-qmp","id":"qmp-monitor","chardev":"qmp"})"),
            objects.end());
}

}  // namespace
}  // namespace vfg
