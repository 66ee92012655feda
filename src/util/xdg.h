// The per-user places vfg keeps things (XDG base directories).
#pragma once

#include <filesystem>

#include "util/result.h"

namespace vfg {

/// Where VM definitions, VM data and runtime state live for the current user.
struct XdgDirs {
  std::filesystem::path config;   ///< $XDG_CONFIG_HOME/vfg
  std::filesystem::path data;     ///< $XDG_DATA_HOME/vfg
  std::filesystem::path runtime;  ///< $XDG_RUNTIME_DIR/vfg

  /// Reads the environment. Without XDG_RUNTIME_DIR it uses a private
  /// directory under the temp dir, as the XDG spec allows.
  static Result<XdgDirs> from_environment();
};

}  // namespace vfg
