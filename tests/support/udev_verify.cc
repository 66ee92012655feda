#include "support/udev_verify.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "util/process.h"
#include "util/strings.h"

namespace vfg::testing {

namespace {

namespace fs = std::filesystem;

// The Debian unstable root with today's udev (scripts/current-stack-root.sh);
// scripts/test.sh makes it before the suites run, so here it is a path lookup.
const std::string& current_stack_root() {
  static const std::string kRoot = [] {
    auto out = run_command({"bash", std::string(VFG_SOURCE_DIR) + "/scripts/current-stack-root.sh"},
                           std::chrono::minutes(30));
    if (!out || !out->status.success()) {
      ADD_FAILURE() << "current-stack-root.sh failed: " << (out ? out->err : out.error().message);
      return std::string();
    }
    auto lines = split(std::string(trim(out->out)), '\n');
    return lines.empty() ? std::string() : lines.back();
  }();
  return kRoot;
}

}  // namespace

UdevVerdict udevadm_verify(const std::string& name, const std::string& rules) {
  const std::string& root = current_stack_root();
  if (root.empty()) return {false, "no current-stack root"};
  std::string dir_template = root + "/tmp/vfg-udev-XXXXXX";
  if (mkdtemp(dir_template.data()) == nullptr) return {false, "mkdtemp failed"};
  fs::path dir = dir_template;
  std::ofstream(dir / name) << rules;
  std::string inside = "/tmp/" + dir.filename().string() + "/" + name;
  // udevadm opens files through /proc/self/fd: give the chroot its own /proc, in a
  // private mount namespace so nothing outlives the check.
  auto out = run_command({"unshare", "--mount", "--propagation", "private", "--fork", "sh", "-c",
                          "mount -t proc proc \"$1/proc\" && exec chroot \"$1\" udevadm verify "
                          "--resolve-names=early \"$2\"",
                          "sh", root, inside});
  fs::remove_all(dir);
  if (!out) return {false, out.error().message};
  UdevVerdict verdict;
  verdict.output = out->out + out->err;
  bool mentions_file = false;
  for (const auto& line : split(verdict.output, '\n'))
    if (line.find(inside + ":") != std::string::npos) mentions_file = true;
  verdict.clean = out->status.success() && !mentions_file;
  return verdict;
}

}  // namespace vfg::testing
