#include "host/host_root_open.h"

#include <sys/stat.h>

namespace vfg {

Result<HostRoot> open_host_root(const std::string& root) {
  if (root.empty() || root == "/") return HostRoot();
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail("--root '{}' is not a directory", root);
  return HostRoot(root);
}

}  // namespace vfg
