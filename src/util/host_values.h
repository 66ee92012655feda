// The grammar of every value that vfg writes into a root-owned host file or
// passes to a command run as root: account names, paths, udev match values,
// module names, USB ports, kernel parameters, comment text. One place, below
// both the definition loader (which reports file:line:key) and setup (which
// refuses to plan with a value that fails), so the two can never disagree.
//
// Each check returns ok() or a failure whose message completes "'VALUE' …",
// e.g. "contains a newline; …".
#pragma once

#include <string_view>

#include "util/result.h"

namespace vfg {

/// A user or group name as useradd/groupadd accept it by default
/// ([a-z_][a-z0-9_-]*, at most 32 characters). The trailing '$' shadow allows for
/// machine accounts is refused: udev would read it as a substitution.
Status check_account_name(std::string_view name);

/// An absolute path strictly under `dir` ("/dev/shm"): no "." or ".." part, no
/// empty part, and only [A-Za-z0-9._+,:@=-] between the slashes — no whitespace,
/// quote, backslash, glob, '%' or '$' specifier, or control character.
Status check_path_under(std::string_view path, std::string_view dir);

/// A value a udev rule matches with == (a serial, a WWN, a partition UUID):
/// [A-Za-z0-9._:+-], so it can neither end the quoted string nor act as a glob.
Status check_udev_match_value(std::string_view value);

/// A kernel module or driver name: [A-Za-z0-9_-], at most 55 characters.
Status check_module_name(std::string_view name);

/// A USB device's sysfs name "BUS-PORT[.PORT...]" ("3-1.4").
Status check_usb_port(std::string_view port);

/// A kernel command-line word "key[=value]" with nothing a shell, a quoted
/// string or a loader config would read specially: key [A-Za-z0-9_.-], value
/// [A-Za-z0-9_.,:/+-].
Status check_kernel_param(std::string_view word);

/// Free text put in a comment line (a VM name, a label): printable, no newline.
Status check_comment_text(std::string_view text);

}  // namespace vfg
