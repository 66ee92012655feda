// The per-user places vfg keeps things (XDG base directories).
#pragma once

#include <filesystem>

#include "util/result.h"

namespace vfg {

/// Where VM definitions, VM data, runtime state and logs live for the current user.
struct XdgDirs {
  std::filesystem::path config;   ///< $XDG_CONFIG_HOME/vfg
  std::filesystem::path data;     ///< $XDG_DATA_HOME/vfg
  std::filesystem::path runtime;  ///< $XDG_RUNTIME_DIR/vfg
  /// $XDG_STATE_HOME/vfg (default ~/.local/state/vfg): logs that outlive a
  /// logout or reboot, unlike the runtime directory.
  std::filesystem::path state;
  /// $TMPDIR/vfg-runtime-UID/vfg: the runtime directory of a VM started
  /// outside any session (the single-GPU service), which must outlive the
  /// session that asked for it. Also `runtime` when XDG_RUNTIME_DIR is unset.
  std::filesystem::path detached_runtime = {};

  /// Reads the environment. Without XDG_RUNTIME_DIR it uses
  /// $TMPDIR/vfg-runtime-UID, made by ensure_private_directory.
  static Result<XdgDirs> from_environment();
};

/// Creates `dir` with mode 0700, or accepts an existing one only if it is a
/// real directory (not a symlink) owned by this user with mode 0700: what
/// the XDG spec asks of a runtime directory. Fails with the fix otherwise.
Status ensure_private_directory(const std::filesystem::path& dir);

/// The check half of ensure_private_directory, for a directory only read:
/// fails unless `dir` exists and is ours alone.
Status check_private_directory(const std::filesystem::path& dir);

}  // namespace vfg
