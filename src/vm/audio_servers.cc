#include "vm/audio_servers.h"

#include <cstring>

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "util/unique_fd.h"
#include "vm/qemu_packages.h"

namespace vfg {

AudioSocket probe_audio_socket(const std::filesystem::path& path) {
  AudioSocket socket_fact;
  socket_fact.path = path.string();
  std::error_code ec;
  socket_fact.exists = std::filesystem::exists(path, ec);
  if (!socket_fact.exists) return socket_fact;
  // A stale socket file outlives its server: only a connection proves one listens.
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_fact.path.size() >= sizeof address.sun_path) return socket_fact;
  std::memcpy(address.sun_path, socket_fact.path.c_str(), socket_fact.path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return socket_fact;
  socket_fact.reachable =
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  return socket_fact;
}

AudioFacts gather_audio(const std::filesystem::path& runtime_dir) {
  AudioFacts audio;
  if (runtime_dir.empty()) return audio;
  audio.runtime_dir = runtime_dir.string();
  audio.pipewire = probe_audio_socket(runtime_dir / "pipewire-0");
  audio.pulse = probe_audio_socket(runtime_dir / "pulse" / "native");
  return audio;
}

namespace {

std::string where(const AudioSocket& socket) {
  if (socket.path.empty()) return "XDG_RUNTIME_DIR is not set";
  return socket.exists ? socket.path + " refuses connections (a stale socket)"
                       : socket.path + " does not exist";
}

}  // namespace

Result<AudioChoice> resolve_audio(const AudioConfig& config, const AudioFacts& servers,
                                  const QemuCapabilities& qemu, std::vector<std::string>& notices) {
  if (!config.enabled) return AudioChoice{AudioBackend::kNone, ""};
  // An explicit server is the user's word for where PulseAudio listens.
  const AudioSocket pulse =
      config.server.empty() ? servers.pulse : probe_audio_socket(config.server);
  const std::string start =
      "start the sound server (systemctl --user start pipewire pipewire-pulse)";
  switch (config.backend) {
    case AudioBackend::kNone:
      return AudioChoice{AudioBackend::kNone, ""};
    case AudioBackend::kPipewire:
      if (qemu.audiodev_pipewire) {
        if (!servers.pipewire.reachable) {
          return fail(
              "audio.backend = \"pipewire\" but PipeWire is not reachable: {}; {}, or set "
              "audio.backend = \"auto\"",
              where(servers.pipewire), start);
        }
        return AudioChoice{AudioBackend::kPipewire, ""};
      }
      if (!qemu.audiodev_pa || !pulse.reachable) {
        return fail(
            "audio.backend = \"pipewire\" needs QEMU's PipeWire driver (QEMU 8.1 and later; this "
            "is {}) or a reachable PulseAudio socket for pipewire-pulse{}; {}, or set "
            "audio.backend = \"none\"",
            qemu.version, qemu.audiodev_pa ? "" : " and QEMU's PulseAudio driver",
            qemu.at_least(8, 1) ? install_hint(QemuPart::kAudioPipewire) : start);
      }
      notices.push_back(fmt::format(
          "QEMU {} has no PipeWire audio driver; using PulseAudio through pipewire-pulse",
          qemu.version));
      return AudioChoice{AudioBackend::kPulseaudio, pulse.path};
    case AudioBackend::kPulseaudio:
      // QEMU exits at start when the driver or the server is missing; say so now instead.
      if (!qemu.audiodev_pa) {
        return fail(
            "audio.backend = \"pulseaudio\" but QEMU {} cannot load its PulseAudio driver "
            "(-audiodev help lists no 'pa'); {}, or set audio.backend = \"none\"",
            qemu.version, install_hint(QemuPart::kAudioPulse));
      }
      if (!pulse.reachable) {
        return fail(
            "audio.backend = \"pulseaudio\" but PulseAudio is not reachable: {}; {}, set "
            "audio.server, or set audio.backend = \"none\"",
            where(pulse), start);
      }
      return AudioChoice{AudioBackend::kPulseaudio, pulse.path};
    case AudioBackend::kAuto:
      if (servers.pipewire.reachable && qemu.audiodev_pipewire) {
        return AudioChoice{AudioBackend::kPipewire, ""};
      }
      if (pulse.reachable && qemu.audiodev_pa)
        return AudioChoice{AudioBackend::kPulseaudio, pulse.path};
      if (servers.pipewire.reachable && qemu.at_least(8, 1) && !qemu.audiodev_pipewire) {
        notices.push_back(fmt::format(
            "QEMU {} cannot load its PipeWire driver; the guest's sound card is silent ({})",
            qemu.version, install_hint(QemuPart::kAudioPipewire)));
      } else if (pulse.reachable && !qemu.audiodev_pa) {
        notices.push_back(fmt::format(
            "QEMU {} cannot load its PulseAudio driver; the guest's sound card is silent ({})",
            qemu.version, install_hint(QemuPart::kAudioPulse)));
      } else if (servers.pipewire.reachable) {
        notices.push_back(fmt::format(
            "QEMU {} has no PipeWire driver (8.1 and later have one) and no PulseAudio server is "
            "reachable; the guest's sound card is silent (systemctl --user start pipewire-pulse)",
            qemu.version));
      } else {
        notices.push_back(
            fmt::format("no sound server is reachable ({}; {}); the guest's sound card is silent",
                        where(servers.pipewire), where(pulse)));
      }
      return AudioChoice{AudioBackend::kNone, ""};
  }
  return AudioChoice{AudioBackend::kNone, ""};
}

}  // namespace vfg
