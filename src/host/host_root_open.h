// Turning a --root argument into a HostRoot.
#pragma once

#include <string>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

/// Opens the tree named by `--root`: empty or "/" is the running system,
/// otherwise a directory laid out like "/".
Result<HostRoot> open_host_root(const std::string& root);

}  // namespace vfg
