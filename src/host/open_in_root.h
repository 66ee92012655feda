// Opening a path inside a directory tree as if that tree were "/": symlinks,
// absolute or relative, and ".." never lead out of it. This is what keeps
// `--root DIR` from reading or writing the real host through a planted link.
#pragma once

#include <string_view>

#include <sys/types.h>

#include "util/unique_fd.h"

namespace vfg {

/// Opens `path` (absolute or relative, resolved from `root_fd`) with open(2)
/// `flags` and `mode`, every symlink and ".." confined below `root_fd`.
/// Uses openat2(RESOLVE_IN_ROOT) and falls back to open_in_root_by_walk on
/// kernels without it. On failure returns an invalid fd with errno set
/// (ELOOP for more than 40 links, as the kernel does).
UniqueFd open_in_root(int root_fd, std::string_view path, int flags, mode_t mode = 0);

/// The fallback: resolves one component at a time with O_NOFOLLOW, expanding
/// each symlink against `root_fd` itself. Same contract as open_in_root.
UniqueFd open_in_root_by_walk(int root_fd, std::string_view path, int flags, mode_t mode = 0);

}  // namespace vfg
