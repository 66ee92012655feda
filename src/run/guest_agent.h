// The QEMU guest agent (qemu-ga in the guest) over the virtio-serial channel
// QEMU exposes as a UNIX socket. Unlike QMP it sends no greeting, and an agent
// that is not running simply never answers: guest-sync with a random id tells
// a live agent from silence, and skips any stale reply left in the channel.
#pragma once

#include <chrono>
#include <filesystem>

#include "util/result.h"

namespace vfg {

/// Asks the guest agent on `socket` to power the guest off. False when no
/// agent answered within `timeout` (not installed, not started yet, or the
/// guest is asleep); an error only for a socket that cannot be used at all.
Result<bool> guest_agent_shutdown(const std::filesystem::path& socket,
                                  std::chrono::milliseconds timeout);

}  // namespace vfg
