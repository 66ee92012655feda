// Whether root may run a program: a path that only root can change, from
// "/" down to the file. The handover service runs vfg as root; a vfg in a
// directory its user can write would let that user run anything as root.
#pragma once

#include <optional>
#include <string>

#include "util/result.h"

namespace vfg {

/// The running program's own path (/proc/self/exe), or nullopt.
std::optional<std::string> own_executable();

/// Fails, naming the first culprit, unless `path` and every directory above
/// it belong to root and no one else may write them. A directory others may
/// write is fine with the sticky bit (/tmp) when the entry below it is root's:
/// no one else can then rename or remove that entry.
Status check_root_only_path(const std::string& path);

}  // namespace vfg
