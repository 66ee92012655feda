#include "support/setup_tree.h"

#include <stdexcept>

#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "util/file_io.h"
#include "util/process.h"

namespace vfg::testing {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string pattern = (base / "vfg-setup-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void compose_host(const ScratchDir& dir, const std::string& distro, const std::string& hardware) {
  for (const auto& source :
       {"tests/fixtures/hosts/" + hardware, "tests/fixtures/setup/" + distro}) {
    auto out = run_command({"cp", "-a", source_path(source) + "/.", dir.path().string()});
    ASSERT_TRUE(out && out->status.success()) << source;
  }
  fs::create_directories(dir / "var/lib");
}

void copy_tree(const fs::path& from, const fs::path& to) {
  // cp -a, because std::filesystem::copy turns some symlinks into files.
  auto out = run_command({"cp", "-a", from.string() + "/.", to.string()});
  ASSERT_TRUE(out && out->status.success()) << from;
}

std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> entries;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it.depth() == 0 && (it->path().filename() == "sys" || it->path().filename() == "proc")) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    std::string key = fs::relative(it->path(), root).string();
    std::string value = fmt::format("{:o} {}:{}", st.st_mode, st.st_uid, st.st_gid);
    if (S_ISLNK(st.st_mode))
      value += " -> " + fs::read_symlink(it->path()).string();
    else if (S_ISREG(st.st_mode))
      value += "\n" + read_file(it->path()).value_or("<unreadable>");
    entries[key] = value;
  }
  return entries;
}

std::string snapshot_difference(const std::map<std::string, std::string>& a,
                                const std::map<std::string, std::string>& b) {
  std::string out;
  for (const auto& [key, value] : a) {
    auto it = b.find(key);
    if (it == b.end())
      out += "only in the first: " + key + "\n";
    else if (it->second != value)
      out += "differs: " + key + "\n  " + value.substr(0, 200) + "\n  " +
             it->second.substr(0, 200) + "\n";
  }
  for (const auto& [key, value] : b)
    if (!a.count(key)) out += "only in the second: " + key + "\n";
  return out;
}

}  // namespace vfg::testing
