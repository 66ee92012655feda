#include "check/facts.h"

#include <cstdlib>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace vfg::check {

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

Result<HostFacts> gather_host_facts(const HostReading& host) {
  const auto& system = host.system_state();
  if (!system) return tl::unexpected(system.error());
  HostFacts facts;
  facts.system = *system;
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  facts.audio = gather_audio(runtime_dir != nullptr ? runtime_dir : "");
  return facts;
}

}  // namespace vfg::check
