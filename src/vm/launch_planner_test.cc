#include "vm/launch_planner.h"

#include <algorithm>

#include <sys/socket.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/unique_fd.h"

namespace vfg {
namespace {

XdgDirs dirs_in(const testing::TempDir& temp) {
  return {temp / "config/vfg", temp / "data/vfg", temp / "run/vfg", temp / "state/vfg"};
}

/// A socket file whose server has gone: it exists and refuses connections.
void leave_stale_socket(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
}

// PipeWire died and left its socket: the plan asks for a connection, as
// `vfg check` does, and starts the VM silent instead of passing
// -audiodev pipewire to a QEMU that would exit with "Host is down".
TEST(LaunchPlanner, AStaleSoundSocketMeansNoSound) {
  testing::TempDir temp;
  leave_stale_socket(temp / "run/pipewire-0");
  leave_stale_socket(temp / "run/pulse/native");
  HostRoot root(testing::source_path("tests/fixtures/hosts/nvidia-turing"));
  VmConfig config;
  config.name = "win";
  config.firmware.type = FirmwareConfig::Type::kBios;
  auto plan = plan_launch(config, root, dirs_in(temp));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->audio, AudioBackend::kNone);
  EXPECT_EQ(plan->notices.back(),
            "no sound server is reachable (" + (temp / "run/pipewire-0").string() +
                " refuses connections (a stale socket); " + (temp / "run/pulse/native").string() +
                " refuses connections (a stale socket)); the guest's sound card is silent");
  config.audio.backend = AudioBackend::kPipewire;
  plan = plan_launch(config, root, dirs_in(temp));
  ASSERT_FALSE(plan);
  // Refused whatever QEMU this is: 8.1+ names the stale socket, 7.2 the missing driver.
  EXPECT_EQ(plan.error().message.rfind("audio.backend = \"pipewire\"", 0), 0u)
      << plan.error().message;
}

// Secure Boot OVMF from edk2 2025 on refuses a directly booted kernel its
// keys do not trust; the plan says so, and how, by what this QEMU has.
TEST(LaunchPlanner, KernelBootUnderSecureBootIsExplained) {
  testing::TempDir temp;
  HostRoot root(testing::source_path("tests/fixtures/hosts/nvidia-turing"));
  HostReading host(root);
  VmConfig config;
  config.name = "linux";
  config.audio.enabled = false;
  config.firmware.code = "/fw/OVMF_CODE.secboot.fd";
  config.firmware.vars = "/fw/OVMF_VARS.ms.fd";
  config.firmware.secure_boot = true;
  config.boot.kernel = "/boot/vmlinuz";
  QemuCapabilities qemu;
  qemu.version = "11.1.3";
  qemu.shim = true;
  auto plan = plan_launch(config, host, dirs_in(temp), qemu, "qemu-system-x86_64");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_FALSE(plan->notices.empty());
  EXPECT_NE(
      plan->notices.back().find("give QEMU a signed shim to load it (extra_args = [\"-shim\", "
                                "\"/usr/lib/shim/shimx64.efi.signed\"], Debian's shim-signed)"),
      std::string::npos)
      << plan->notices.back();
  qemu.version = "7.2.22";
  qemu.shim = false;
  plan = plan_launch(config, host, dirs_in(temp), qemu, "qemu-system-x86_64");
  ASSERT_TRUE(plan);
  EXPECT_NE(plan->notices.back().find("QEMU 7.2.22 has no -shim"), std::string::npos)
      << plan->notices.back();
  // A shim given: nothing to say.
  config.extra_args = {"-shim", "/usr/lib/shim/shimx64.efi.signed"};
  plan = plan_launch(config, host, dirs_in(temp), qemu, "qemu-system-x86_64");
  ASSERT_TRUE(plan);
  EXPECT_TRUE(std::none_of(plan->notices.begin(), plan->notices.end(), [](const auto& notice) {
    return notice.find("Secure Boot") != std::string::npos;
  }));
}

// A captured host with a Turing card (VGA, HDMI audio, USB, UCSI at 0a:00.x).
TEST(LaunchPlanner, ResolvesEveryFunctionOfTheCard) {
  testing::TempDir temp;
  HostRoot root(testing::source_path("tests/fixtures/hosts/nvidia-turing"));
  VmConfig config;
  config.name = "win";
  config.firmware.code = "/fw/OVMF_CODE.secboot.qcow2";
  config.firmware.vars = "/fw/OVMF_VARS.qcow2";
  config.firmware.secure_boot = true;
  config.audio.backend = AudioBackend::kNone;
  GpuConfig all;
  all.address = "0000:0a:00.0";
  config.gpus.push_back(all);
  GpuConfig partial = all;
  partial.all_functions = false;
  partial.functions = {"0000:0a:00.1"};
  auto plan = plan_launch(config, root, dirs_in(temp));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->gpu_functions,
            (std::vector<std::vector<std::string>>{
                {"0000:0a:00.0", "0000:0a:00.1", "0000:0a:00.2", "0000:0a:00.3"}}));
  // No /dev/kvm in the tree: auto falls back to TCG.
  EXPECT_FALSE(plan->kvm);
  EXPECT_EQ(plan->firmware->code_format, "qcow2");
  EXPECT_TRUE(plan->firmware->requires_smm);
  EXPECT_EQ(plan->vars_copy, (temp / "data/vfg/win/OVMF_VARS.qcow2").string());
  EXPECT_EQ(plan->qemu_binary, "qemu-system-x86_64");

  config.gpus = {partial};
  plan = plan_launch(config, root, dirs_in(temp));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->gpu_functions,
            (std::vector<std::vector<std::string>>{{"0000:0a:00.0", "0000:0a:00.1"}}));

  config.gpus[0].address = "0000:0b:00.0";
  EXPECT_EQ(plan_launch(config, root, dirs_in(temp)).error().message,
            "gpu[0]: there is no PCI device 0000:0b:00.0 on this host; list the cards with 'vfg "
            "devices gpu'");
  config.gpus.clear();
  config.accel = Accel::kKvm;
  EXPECT_EQ(plan_launch(config, root, dirs_in(temp)).error().message,
            "accel = \"kvm\" but KVM cannot run guests here (no usable /dev/kvm or no VT-x/AMD-V); "
            "run 'vfg check', or set accel = \"auto\" to fall back to TCG");
}

TEST(LaunchPlanner, PreparesTheVarsCopyOnce) {
  testing::TempDir temp;
  HostRoot root;  // this machine: Debian's OVMF descriptors
  VmConfig config;
  config.name = "win";
  config.audio.backend = AudioBackend::kNone;
  auto plan = plan_launch(config, root, dirs_in(temp));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->firmware->code, "/usr/share/OVMF/OVMF_CODE_4M.fd");
  ASSERT_TRUE(prepare_vm_files(*plan));
  EXPECT_EQ(std::filesystem::file_size(plan->vars_copy),
            std::filesystem::file_size("/usr/share/OVMF/OVMF_VARS_4M.fd"));
}

}  // namespace
}  // namespace vfg
