// Connecting to a QEMU that a test started itself: its QMP socket file
// appears when QEMU binds it, a moment before QEMU listens, so a first
// connection can be refused.
#pragma once

#include <chrono>
#include <filesystem>

#include "run/qmp_client.h"
#include "util/process.h"

namespace vfg::testing {

/// Connects to `socket` once QEMU listens on it, trying again until
/// `deadline`. Fails with QEMU's log if `qemu` exits first.
Result<QmpClient> connect_when_listening(Child& qemu, const std::filesystem::path& socket,
                                         const std::filesystem::path& qemu_log,
                                         std::chrono::steady_clock::time_point deadline);

}  // namespace vfg::testing
