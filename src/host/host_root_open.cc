#include "host/host_root_open.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <mutex>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/process.h"
#include "util/strings.h"

namespace vfg {

namespace fs = std::filesystem;

namespace {

// Snapshots unpacked for --root live in private temporary directories that
// are removed when the process exits normally.
class UnpackedRoots {
 public:
  ~UnpackedRoots() {
    for (const auto& dir : dirs_) {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  }
  void add(fs::path dir) {
    std::lock_guard lock(mutex_);
    dirs_.push_back(std::move(dir));
  }

 private:
  std::mutex mutex_;
  std::vector<fs::path> dirs_;
};

UnpackedRoots& unpacked_roots() {
  static UnpackedRoots roots;
  return roots;
}

Result<HostRoot> unpack_snapshot(const std::string& archive) {
  std::error_code error;
  fs::path base = fs::temp_directory_path(error);
  if (error) return fail("no temporary directory: {}", error.message());
  std::string pattern = (base / "vfg-root-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return fail("cannot create a directory to unpack '{}' into", archive);
  fs::path dir = pattern;
  unpacked_roots().add(dir);
  auto unpacked = run_command({"tar", "-xzf", fs::absolute(archive).string(), "-C", dir.string(),
                               "--no-same-owner", "--no-same-permissions"},
                              std::chrono::minutes(2));
  if (!unpacked) return fail(unpacked.error(), fmt::format("unpacking '{}'", archive));
  if (!unpacked->status.success())
    return fail("--root '{}' is not a snapshot (.tar.gz): tar {}: {}", archive,
                unpacked->status.describe(), std::string(trim(unpacked->err)));
  return HostRoot(dir);
}

}  // namespace

Result<HostRoot> open_host_root(const std::string& root) {
  if (root.empty() || root == "/") return HostRoot();
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) return fail("--root '{}' does not exist", root);
  if (S_ISREG(st.st_mode)) return unpack_snapshot(root);
  if (!S_ISDIR(st.st_mode))
    return fail("--root '{}' is neither a directory nor a snapshot (.tar.gz)", root);
  HostRoot tree(root);
  // A tree with none of these is a wrong path, not a host with nothing in it.
  static constexpr std::string_view kHostDirs[] = {"/sys", "/proc", "/etc", "/dev", "/boot"};
  if (std::none_of(std::begin(kHostDirs), std::end(kHostDirs),
                   [&](std::string_view dir) { return tree.exists(dir); }))
    return fail(
        "--root '{}' does not look like a host: it has none of sys/, proc/, etc/, dev/ or boot/ "
        "(give a tree laid out like / or a snapshot made by `vfg snapshot`)",
        root);
  return tree;
}

}  // namespace vfg
