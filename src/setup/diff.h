// Unified diffs of planned file changes, in the format `diff -u` and `patch` use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vfg {

/// The unified diff turning `before` into `after` for the host path `path`
/// (labels "a/etc/..." and "b/etc/..."; an absent side is "/dev/null").
/// Three lines of context. Empty when the contents are equal.
std::string unified_diff(std::string_view path, const std::optional<std::string>& before,
                         const std::optional<std::string>& after);

}  // namespace vfg
