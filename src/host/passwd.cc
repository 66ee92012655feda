#include "host/passwd.h"

#include "host/boot_paths.h"
#include "util/strings.h"

namespace vfg {

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for (const auto& line : split(text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() < 4 || fields[0].empty()) continue;
    auto uid = parse_uint(fields[2]);
    auto gid = parse_uint(fields[3]);
    if (!uid || !gid) continue;
    out.push_back({fields[0], static_cast<uid_t>(*uid), static_cast<gid_t>(*gid)});
  }
  return out;
}

std::vector<PasswdEntry> read_passwd(const HostRoot& root) {
  return parse_passwd(root.read_attr(boot_paths::kPasswdFile).value_or(""));
}

std::optional<PasswdEntry> account_by_uid(const HostRoot& root, uid_t uid) {
  for (auto& entry : read_passwd(root))
    if (entry.uid == uid) return entry;
  return std::nullopt;
}

std::optional<PasswdEntry> account_by_name(const HostRoot& root, std::string_view name) {
  for (auto& entry : read_passwd(root))
    if (entry.name == name) return entry;
  return std::nullopt;
}

std::string user_name_of(const HostRoot& root, uid_t uid) {
  auto entry = account_by_uid(root, uid);
  return entry ? entry->name : std::to_string(uid);
}

}  // namespace vfg
