#include "support/memory_file_writer.h"

namespace vfg::testing {

namespace {
std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}
}  // namespace

MemoryFileWriter::MemoryFileWriter(std::set<std::string> initial) : dirs(std::move(initial)) {
  dirs.insert("/");
}

Result<std::optional<FileState>> MemoryFileWriter::read(const std::string& path) {
  auto it = files.find(path);
  if (it == files.end()) return std::optional<FileState>{};
  return std::optional<FileState>{it->second};
}

Status MemoryFileWriter::write(const std::string& path, std::string_view contents, mode_t mode,
                               std::optional<std::pair<uid_t, gid_t>> owner) {
  if (!dirs.count(parent_of(path))) return fail("no directory for '{}'", path);
  FileState state{std::string(contents), mode, 0, 0};
  if (owner) {
    state.uid = owner->first;
    state.gid = owner->second;
  }
  files[path] = std::move(state);
  return ok();
}

Status MemoryFileWriter::remove(const std::string& path) {
  files.erase(path);
  return ok();
}

Status MemoryFileWriter::make_directory(const std::string& path) {
  if (!dirs.count(parent_of(path))) return fail("no parent for '{}'", path);
  dirs.insert(path);
  return ok();
}

Status MemoryFileWriter::remove_directory_if_empty(const std::string& path) {
  if (!list(path).empty()) return ok();
  dirs.erase(path);
  return ok();
}

bool MemoryFileWriter::is_directory(const std::string& path) { return dirs.count(path) > 0; }

std::vector<std::string> MemoryFileWriter::list(const std::string& path) {
  std::vector<std::string> names;
  for (const auto& [file, state] : files)
    if (parent_of(file) == path) names.push_back(file.substr(path == "/" ? 1 : path.size() + 1));
  for (const auto& dir : dirs)
    if (dir != "/" && parent_of(dir) == path)
      names.push_back(dir.substr(path == "/" ? 1 : path.size() + 1));
  return names;
}

void MemoryFileWriter::put(const std::string& path, std::string contents, mode_t mode) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1))
    dirs.insert(path.substr(0, slash));
  files[path] = FileState{std::move(contents), mode, 0, 0};
}

}  // namespace vfg::testing
