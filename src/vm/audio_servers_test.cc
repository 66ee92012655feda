#include "vm/audio_servers.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "util/unique_fd.h"

namespace vfg {
namespace {

QemuCapabilities qemu(int major, int minor) {
  QemuCapabilities caps;
  caps.version = fmt::format("{}.{}.0", major, minor);
  caps.major = major;
  caps.minor = minor;
  caps.audiodev_pa = true;
  caps.audiodev_pipewire = caps.at_least(8, 1);
  return caps;
}

/// A sound server's socket; listening while the fd lives, stale after.
UniqueFd serve(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(::listen(fd.get(), 4), 0);
  return fd;
}

TEST(AudioServers, PrefersPipewireWhereQemuHasIt) {
  testing::TempDir run;
  UniqueFd pipewire = serve(run / "pipewire-0");
  UniqueFd pulse = serve(run / "pulse/native");
  AudioFacts servers = gather_audio(run.path());
  EXPECT_TRUE(servers.pipewire.reachable);
  EXPECT_EQ(servers.pulse.path, (run / "pulse/native").string());
  std::vector<std::string> notices;
  AudioConfig audio;
  auto choice = resolve_audio(audio, servers, qemu(8, 2), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kPipewire);
  // QEMU 7.2 has no pipewire audiodev: PulseAudio through pipewire-pulse.
  choice = resolve_audio(audio, servers, qemu(7, 2), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(*choice, AudioChoice(AudioBackend::kPulseaudio, (run / "pulse/native").string()));
  EXPECT_TRUE(notices.empty());
  audio.backend = AudioBackend::kPipewire;
  choice = resolve_audio(audio, servers, qemu(7, 2), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kPulseaudio);
  EXPECT_EQ(notices, std::vector<std::string>{"QEMU 7.2.0 has no PipeWire audio driver; using "
                                              "PulseAudio through pipewire-pulse"});
}

// The socket files stay when the servers die: only a connection counts.
TEST(AudioServers, StaleSocketsAreNotServers) {
  testing::TempDir run;
  {
    UniqueFd pipewire = serve(run / "pipewire-0");
    UniqueFd pulse = serve(run / "pulse/native");
  }
  AudioFacts servers = gather_audio(run.path());
  EXPECT_TRUE(servers.pipewire.exists);
  EXPECT_FALSE(servers.pipewire.reachable);
  std::vector<std::string> notices;
  AudioConfig audio;
  auto choice = resolve_audio(audio, servers, qemu(11, 1), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kNone);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find((run / "pipewire-0").string() + " refuses connections"),
            std::string::npos);
  audio.backend = AudioBackend::kPipewire;
  EXPECT_EQ(resolve_audio(audio, servers, qemu(11, 1), notices).error().message,
            "audio.backend = \"pipewire\" but PipeWire is not reachable: " +
                (run / "pipewire-0").string() +
                " refuses connections (a stale socket); start the sound server (systemctl "
                "--user start pipewire pipewire-pulse), or set audio.backend = \"auto\"");
  audio.backend = AudioBackend::kPulseaudio;
  EXPECT_FALSE(resolve_audio(audio, servers, qemu(11, 1), notices));
  // An explicit server is tested the same way.
  UniqueFd custom = serve(run / "custom.sock");
  audio.server = (run / "custom.sock").string();
  choice = resolve_audio(audio, servers, qemu(11, 1), notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->second, (run / "custom.sock").string());
}

// Distributions ship QEMU's sound drivers in packages of their own: the
// server runs, QEMU cannot load a driver for it, and the notice names them.
TEST(AudioServers, QemuWithoutTheDriverNamesThePackages) {
  testing::TempDir run;
  UniqueFd pulse = serve(run / "pulse/native");
  AudioFacts servers = gather_audio(run.path());
  QemuCapabilities without_pa = qemu(7, 2);
  without_pa.audiodev_pa = false;
  std::vector<std::string> notices;
  AudioConfig audio;
  auto choice = resolve_audio(audio, servers, without_pa, notices);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->first, AudioBackend::kNone);
  EXPECT_EQ(notices, std::vector<std::string>{
                         "QEMU 7.2.0 cannot load its PulseAudio driver; the guest's sound card "
                         "is silent (sudo apt install qemu-system-gui "
                         "(Debian/Ubuntu), sudo dnf install qemu-audio-pa (Fedora), sudo pacman "
                         "-S qemu-audio-pa (Arch))"});
  audio.backend = AudioBackend::kPulseaudio;
  EXPECT_EQ(resolve_audio(audio, servers, without_pa, notices).error().message,
            "audio.backend = \"pulseaudio\" but QEMU 7.2.0 cannot load its PulseAudio driver "
            "(-audiodev help lists no 'pa'); sudo apt install qemu-system-gui (Debian/Ubuntu), "
            "sudo dnf install qemu-audio-pa (Fedora), sudo pacman -S qemu-audio-pa (Arch), or "
            "set audio.backend = \"none\"");
}

}  // namespace
}  // namespace vfg
