// The user's sound servers and the audio backend a VM gets from them. `vfg
// check` and the launch plan both decide here, with the same test (a
// connection, not the socket file: a server that died leaves its socket
// behind), so what the check promises is what `vfg start` does.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "util/result.h"
#include "vm/qemu_caps.h"
#include "vm/vm_config.h"

namespace vfg {

/// One sound server socket and whether a connection to it succeeded.
struct AudioSocket {
  std::string path;
  bool exists = false;
  bool reachable = false;  ///< connect() succeeded
};

/// The user's sound servers, found by their sockets in $XDG_RUNTIME_DIR.
struct AudioFacts {
  std::string runtime_dir;  ///< empty when XDG_RUNTIME_DIR is unset
  AudioSocket pipewire;     ///< $XDG_RUNTIME_DIR/pipewire-0
  AudioSocket pulse;        ///< $XDG_RUNTIME_DIR/pulse/native (also pipewire-pulse)
};

/// Whether a UNIX socket at `path` exists and accepts a connection.
AudioSocket probe_audio_socket(const std::filesystem::path& path);

/// Looks for the sound server sockets under `runtime_dir` and tries to connect.
AudioFacts gather_audio(const std::filesystem::path& runtime_dir);

/// The backend (never kAuto) and, for PulseAudio, the server socket.
using AudioChoice = std::pair<AudioBackend, std::string>;

/// Picks the audio backend for `config` from the reachable servers and what
/// QEMU can load; fallbacks are explained in `notices`, and a backend the
/// definition names that cannot work is an error.
Result<AudioChoice> resolve_audio(const AudioConfig& config, const AudioFacts& servers,
                                  const QemuCapabilities& qemu, std::vector<std::string>& notices);

}  // namespace vfg
