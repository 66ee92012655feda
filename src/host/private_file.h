// Files vfg shares with QEMU in a world-writable directory (the Looking Glass
// frame buffer in /dev/shm): anyone can plant a file or symlink there first.
#pragma once

#include <string>

#include <sys/types.h>

#include "util/result.h"

namespace vfg {

/// Makes `path` a regular file owned by this user that others cannot read:
/// creates it with `mode` when missing and takes the "other" bits off this
/// user's own file (QEMU used to create it 0644). Refuses, without following
/// it, a symlink, anything that is not a regular file, and a file owned by
/// someone else: another user could read the guest's screen through it.
Status ensure_private_file(const std::string& path, mode_t mode = 0600);

}  // namespace vfg
