// The accounts of a host (/etc/passwd): one parser for everything that maps
// names and ids — the checks' "who am I", setup's user, the holders of a card.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "host/host_root.h"

namespace vfg {

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// The well-formed lines of a passwd file (name:password:uid:gid:...); others are skipped.
std::vector<PasswdEntry> parse_passwd(std::string_view text);

/// The host's accounts, empty when the file is missing.
std::vector<PasswdEntry> read_passwd(const HostRoot& root);

/// The account with this uid, or with this name.
std::optional<PasswdEntry> account_by_uid(const HostRoot& root, uid_t uid);
std::optional<PasswdEntry> account_by_name(const HostRoot& root, std::string_view name);

/// The name of a uid from /etc/passwd, or the number.
std::string user_name_of(const HostRoot& root, uid_t uid);

}  // namespace vfg
