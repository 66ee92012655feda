#include "util/host_values.h"

#include <algorithm>

#include <fmt/format.h>

namespace vfg {

namespace {

bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_or_digit(c) || (c >= 'A' && c <= 'Z'); }

// Names the first character outside `allowed`, so the message shows what to remove.
std::string describe(char c) {
  if (c == '\n') return "a newline";
  if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
    return fmt::format("the control character 0x{:02x}", static_cast<unsigned>(c));
  if (c == ' ' || c == '\t') return "whitespace";
  return fmt::format("'{}'", c);
}

}  // namespace

Status check_account_name(std::string_view name) {
  if (name.empty()) return fail("is empty; name an account");
  if (name.size() > 32) return fail("is longer than 32 characters, the limit of useradd");
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z')))
    return fail("must start with a lowercase letter or '_' (useradd's rule)");
  auto bad = std::find_if_not(name.begin(), name.end(),
                              [](char c) { return is_lower_or_digit(c) || c == '_' || c == '-'; });
  if (bad != name.end())
    return fail("contains {}; account names use only a-z, 0-9, '_' and '-'", describe(*bad));
  return ok();
}

Status check_path_under(std::string_view path, std::string_view dir) {
  auto allowed = [](char c) {
    return is_alnum(c) || c == '/' ||
           std::string_view("._+,:@=-").find(c) != std::string_view::npos;
  };
  auto bad = std::find_if_not(path.begin(), path.end(), allowed);
  if (bad != path.end())
    return fail(
        "contains {}; a path written into host files may only use letters, digits, '/' "
        "and ._+,:@=-",
        describe(*bad));
  if (!path.starts_with(dir) || path.size() <= dir.size() + 1 || path[dir.size()] != '/')
    return fail("is not a file under {}/", dir);
  std::string_view rest = path.substr(dir.size() + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t end = rest.find('/', start);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view part = rest.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      return fail("has an empty, '.' or '..' part; write the plain path under {}/", dir);
    start = end + 1;
  }
  return ok();
}

Status check_udev_match_value(std::string_view value) {
  if (value.empty()) return fail("is empty");
  auto bad = std::find_if_not(value.begin(), value.end(), [](char c) {
    return is_alnum(c) || std::string_view("._:+-").find(c) != std::string_view::npos;
  });
  if (bad != value.end())
    return fail(
        "contains {}; a device identifier in a udev rule may only use letters, digits "
        "and ._:+-",
        describe(*bad));
  return ok();
}

Status check_module_name(std::string_view name) {
  if (name.empty() || name.size() > 55) return fail("is not a kernel module name");
  auto bad = std::find_if_not(name.begin(), name.end(),
                              [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
  if (bad != name.end())
    return fail("contains {}; module names use only letters, digits, '_' and '-'", describe(*bad));
  return ok();
}

Status check_usb_port(std::string_view port) {
  // BUS '-' PORT ('.' PORT)*, every part a decimal number.
  size_t dash = port.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == port.size())
    return fail("is not a USB port like 3-1.4");
  bool digit_before = false;
  for (size_t i = 0; i < port.size(); ++i) {
    char c = port[i];
    if (c >= '0' && c <= '9') {
      digit_before = true;
      continue;
    }
    bool separator = (i == dash && c == '-') || (i > dash && c == '.');
    if (!separator || !digit_before) return fail("is not a USB port like 3-1.4");
    digit_before = false;
  }
  if (!digit_before) return fail("is not a USB port like 3-1.4");
  return ok();
}

Status check_kernel_param(std::string_view word) {
  size_t eq = word.find('=');
  std::string_view key = word.substr(0, eq);
  std::string_view value = eq == std::string_view::npos ? "" : word.substr(eq + 1);
  if (key.empty()) return fail("has no parameter name");
  auto bad_key = std::find_if_not(key.begin(), key.end(), [](char c) {
    return is_alnum(c) || c == '_' || c == '.' || c == '-';
  });
  if (bad_key != key.end())
    return fail("has {} in its name; kernel parameter names use letters, digits and _.-",
                describe(*bad_key));
  auto bad_value = std::find_if_not(value.begin(), value.end(), [](char c) {
    return is_alnum(c) || std::string_view("_.,:/+-").find(c) != std::string_view::npos;
  });
  if (bad_value != value.end())
    return fail("has {} in its value; setup writes only letters, digits and _.,:/+- there",
                describe(*bad_value));
  return ok();
}

Status check_comment_text(std::string_view text) {
  auto bad = std::find_if(text.begin(), text.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  if (bad != text.end()) return fail("contains {}; write it on one line", describe(*bad));
  return ok();
}

}  // namespace vfg
