#include "host/process_users.h"

#include <algorithm>

#include <unistd.h>

namespace vfg {

namespace {

/// A command line's arguments, NUL-separated as the kernel keeps them.
std::vector<std::string> split_cmdline(const std::string& text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

/// Whether an argument names `path`: as a whole word or as an option value
/// ("file=/x/disk.qcow2", "path=/run/.../qmp.sock,server=on").
bool names_path(const std::string& word, const std::string& path) {
  for (size_t at = word.find(path); at != std::string::npos; at = word.find(path, at + 1)) {
    bool starts = at == 0 || word[at - 1] == '=' || word[at - 1] == ':' || word[at - 1] == '"';
    size_t end = at + path.size();
    bool ends = end == word.size() || word[end] == ',' || word[end] == '"';
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace

std::vector<ProcessUse> processes_using(const HostRoot& root,
                                        const std::vector<std::string>& paths) {
  std::vector<ProcessUse> users;
  std::string self = std::to_string(::getpid());
  for (const auto& entry : root.list_dir("/proc")) {
    if (entry.empty() || entry.find_first_not_of("0123456789") != std::string::npos) continue;
    if (entry == self) continue;
    std::string dir = join_host_path("/proc", entry);
    auto cmdline = root.read_file(join_host_path(dir, "cmdline"));
    if (!cmdline || cmdline->empty()) continue;  // gone, or a kernel thread
    std::vector<std::string> words = split_cmdline(*cmdline);
    std::vector<std::string> open_files;
    for (const auto& fd : root.list_dir(join_host_path(dir, "fd")))
      if (auto target = root.read_link(join_host_path(join_host_path(dir, "fd"), fd)))
        open_files.push_back(*target);
    ProcessUse use;
    for (const auto& path : paths) {
      bool named = std::any_of(words.begin(), words.end(),
                               [&](const std::string& word) { return names_path(word, path); });
      bool open = std::find(open_files.begin(), open_files.end(), path) != open_files.end();
      if (named || open) use.paths.push_back(path);
    }
    if (use.paths.empty()) continue;
    use.pid = static_cast<pid_t>(std::stol(entry));
    use.comm = root.read_attr(join_host_path(dir, "comm")).value_or("?");
    users.push_back(std::move(use));
  }
  return users;
}

}  // namespace vfg
