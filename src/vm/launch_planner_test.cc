#include "vm/launch_planner.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/unique_fd.h"

namespace vfg {
namespace {

XdgDirs dirs_in(const testing::TempDir& temp) {
  return {temp / "config/vfg", temp / "data/vfg", temp / "run/vfg"};
}

QemuCapabilities qemu(int major, int minor) {
  QemuCapabilities caps;
  caps.version = fmt::format("{}.{}.0", major, minor);
  caps.major = major;
  caps.minor = minor;
  caps.audiodev_pa = true;
  caps.audiodev_pipewire = caps.at_least(8, 1);
  return caps;
}

void make_socket(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
}

TEST(LaunchPlanner, AudioPrefersPipewireWhereQemuHasIt) {
  testing::TempDir run;
  make_socket(run / "pipewire-0");
  make_socket(run / "pulse/native");
  SoundSockets sockets = find_sound_sockets(run.path());
  EXPECT_EQ(sockets.pipewire, (run / "pipewire-0").string());
  EXPECT_EQ(sockets.pulse, (run / "pulse/native").string());
  std::vector<std::string> notices;
  AudioConfig audio;
  auto choice = resolve_audio(audio, sockets, qemu(8, 2), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kPipewire);
  // QEMU 7.2 has no pipewire audiodev: PulseAudio through pipewire-pulse.
  choice = resolve_audio(audio, sockets, qemu(7, 2), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kPulseaudio);
  EXPECT_EQ(choice->second, (run / "pulse/native").string());
  EXPECT_TRUE(notices.empty());
  audio.backend = AudioBackend::kPipewire;
  choice = resolve_audio(audio, sockets, qemu(7, 2), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kPulseaudio);
  EXPECT_EQ(notices, std::vector<std::string>{"QEMU 7.2.0 has no PipeWire audio (8.1+); using "
                                              "PulseAudio through pipewire-pulse"});
}

TEST(LaunchPlanner, AudioWithoutAServer) {
  std::vector<std::string> notices;
  AudioConfig audio;
  auto choice = resolve_audio(audio, {}, qemu(7, 2), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kNone);
  EXPECT_EQ(notices,
            std::vector<std::string>{
                "no PipeWire or PulseAudio socket found; the guest's sound card is silent"});
  audio.backend = AudioBackend::kPulseaudio;
  EXPECT_EQ(resolve_audio(audio, {}, qemu(7, 2), notices).error().message,
            "audio.backend = \"pulseaudio\" but no PulseAudio socket was found in "
            "$XDG_RUNTIME_DIR/pulse; start pulseaudio or pipewire-pulse, set audio.server, or set "
            "audio.backend = \"none\"");
  audio.server = "/custom/pulse.sock";
  auto explicit_server = resolve_audio(audio, {}, qemu(7, 2), notices);
  ASSERT_TRUE(explicit_server);
  EXPECT_EQ(explicit_server->second, "/custom/pulse.sock");
}

// Debian's qemu-system-x86 alone lacks the "pa" driver (it is in qemu-system-gui):
// the socket is there, QEMU cannot use it, and the message names the package.
TEST(LaunchPlanner, AudioWhenQemuLacksThePulseDriver) {
  SoundSockets sockets{"", "/run/user/1000/pulse/native"};
  QemuCapabilities without_pa = qemu(7, 2);
  without_pa.audiodev_pa = false;
  std::vector<std::string> notices;
  AudioConfig audio;
  auto choice = resolve_audio(audio, sockets, without_pa, notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kNone);
  EXPECT_EQ(notices, std::vector<std::string>{
                         "QEMU 7.2.0 has no PulseAudio driver; the guest's sound card is silent "
                         "(install qemu-system-gui (Debian/Ubuntu), which holds QEMU's "
                         "PulseAudio driver)"});
  audio.backend = AudioBackend::kPulseaudio;
  EXPECT_EQ(resolve_audio(audio, sockets, without_pa, notices).error().message,
            "audio.backend = \"pulseaudio\" but QEMU 7.2.0 has no PulseAudio driver (-audiodev "
            "help lists no 'pa'); install qemu-system-gui (Debian/Ubuntu), which holds QEMU's "
            "PulseAudio driver, or set audio.backend = \"none\"");
  audio.backend = AudioBackend::kPipewire;
  EXPECT_EQ(resolve_audio(audio, sockets, without_pa, notices).error().message,
            "audio.backend = \"pipewire\" needs QEMU 8.1 (this is 7.2.0) or a PulseAudio socket "
            "for pipewire-pulse and QEMU's PulseAudio driver; install pipewire-pulse or set "
            "audio.backend = \"none\"");
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
