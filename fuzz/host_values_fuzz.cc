// The grammar every value must pass before setup writes it into a root-owned
// file (util/host_values.h). Values come from VM definitions, --user/--group
// and --root trees. Besides not crashing, a value that passes must be safe in
// every format it goes into: none of the characters that would end a quoted
// string, start a new line or field, glob, or expand.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_support.h"
#include "util/host_values.h"

namespace {

// What no accepted value may contain, whatever its place.
bool has_unsafe_character(std::string_view value, bool spaces_allowed) {
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
    if (c == ' ' && !spaces_allowed) return true;
    if (std::string_view("\"'`\\").find(c) != std::string_view::npos) return true;
  }
  return false;
}

bool has_shell_or_glob_character(std::string_view value) {
  return value.find_first_of("$*?[]{}%;&|<>!#~") != std::string_view::npos;
}

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value = vfg::fuzz::as_text(data, size);
  bool plain = !has_unsafe_character(value, false) && !has_shell_or_glob_character(value);

  if (vfg::check_account_name(value)) require(plain && !value.empty() && value.size() <= 32);
  if (vfg::check_path_under(value, "/dev/shm")) {
    require(plain && value.starts_with("/dev/shm/"));
    require(value.find("/../") == std::string_view::npos && !value.ends_with("/.."));
    require(value.find("//") == std::string_view::npos);
  }
  if (vfg::check_udev_match_value(value)) require(plain);
  if (vfg::check_module_name(value)) require(plain && !value.empty());
  if (vfg::check_usb_port(value)) require(plain && !value.empty());
  if (vfg::check_kernel_param(value)) require(plain && !value.empty());
  if (vfg::check_comment_text(value))
    for (char c : value) require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  return 0;
}
