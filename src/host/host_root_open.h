// Turning a --root argument into a HostRoot.
#pragma once

#include <string>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

/// Opens the tree named by `--root`: empty or "/" is the running system, a
/// directory is a tree laid out like "/", and a file is a `vfg snapshot`
/// (.tar.gz) unpacked into a private temporary directory removed at exit.
Result<HostRoot> open_host_root(const std::string& root);

}  // namespace vfg
