// UNIX stream sockets by path: a listening socket created before the program
// that serves it starts (so clients never race its start-up), and a client
// connection.
#pragma once

#include <filesystem>

#include "util/result.h"
#include "util/unique_fd.h"

namespace vfg {

/// Listens on `path`, replacing a stale socket file left there by a crashed run.
Result<UniqueFd> listen_unix(const std::filesystem::path& path);

/// Connects to the socket at `path` (blocking connect; close-on-exec).
Result<UniqueFd> connect_unix(const std::filesystem::path& path);

}  // namespace vfg
