#include "util/xdg.h"

#include <cstdlib>

#include <unistd.h>

namespace vfg {

namespace fs = std::filesystem;

namespace {
fs::path env_dir(const char* name, const fs::path& fallback) {
  const char* value = std::getenv(name);
  // The spec says relative paths are invalid and must be ignored.
  if (value != nullptr && value[0] == '/') return value;
  return fallback;
}
}  // namespace

Result<XdgDirs> XdgDirs::from_environment() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] != '/') return fail("HOME is not set to an absolute path");
  fs::path home_dir(home);
  XdgDirs dirs;
  dirs.config = env_dir("XDG_CONFIG_HOME", home_dir / ".config") / "vfg";
  dirs.data = env_dir("XDG_DATA_HOME", home_dir / ".local" / "share") / "vfg";
  fs::path temp = env_dir("TMPDIR", fs::temp_directory_path());
  dirs.runtime =
      env_dir("XDG_RUNTIME_DIR", temp / ("vfg-runtime-" + std::to_string(::getuid()))) / "vfg";
  return dirs;
}

}  // namespace vfg
