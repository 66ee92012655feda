#include "util/xdg.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/unique_fd.h"

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

Status ensure_private_directory(const fs::path& dir) {
  // The name is predictable and its parent is shared: another user may have
  // made it first, or left a symlink there. Use it only when it is ours alone.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fail("cannot create the runtime directory '{}': {}", dir.string(), std::strerror(errno));
  return check_private_directory(dir);
}

Status check_private_directory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0)
    return fail("cannot inspect the runtime directory '{}': {}", dir.string(),
                std::strerror(errno));
  std::string fix =
      "set XDG_RUNTIME_DIR to a directory only you can use, or remove '" + dir.string() + "'";
  if (S_ISLNK(st.st_mode))
    return fail("the runtime directory '{}' is a symlink; {}", dir.string(), fix);
  if (!S_ISDIR(st.st_mode))
    return fail("the runtime directory '{}' is not a directory; {}", dir.string(), fix);
  if (st.st_uid != ::geteuid())
    return fail("the runtime directory '{}' belongs to user {}, not to you; {}", dir.string(),
                st.st_uid, fix);
  if ((st.st_mode & 077) != 0)
    return fail("the runtime directory '{}' has mode {:04o}, not 0700; {}", dir.string(),
                st.st_mode & 07777, fix);
  return ok();
}

Result<XdgDirs> XdgDirs::from_environment() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] != '/') return fail("HOME is not set to an absolute path");
  fs::path home_dir(home);
  XdgDirs dirs;
  dirs.config = env_dir("XDG_CONFIG_HOME", home_dir / ".config") / "vfg";
  dirs.data = env_dir("XDG_DATA_HOME", home_dir / ".local" / "share") / "vfg";
  dirs.state = env_dir("XDG_STATE_HOME", home_dir / ".local" / "state") / "vfg";
  fs::path detached =
      env_dir("TMPDIR", fs::temp_directory_path()) / ("vfg-runtime-" + std::to_string(::geteuid()));
  dirs.detached_runtime = detached / "vfg";
  fs::path runtime = env_dir("XDG_RUNTIME_DIR", "");
  if (runtime.empty()) {
    runtime = detached;
    if (auto usable = ensure_private_directory(runtime); !usable)
      return tl::unexpected(usable.error());
  }
  dirs.runtime = runtime / "vfg";
  return dirs;
}

}  // namespace vfg
