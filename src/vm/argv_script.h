// A QEMU command line as a runnable POSIX shell script: the user's qemu.sh, regenerated.
#pragma once

#include <string>

#include "vm/launch_plan.h"

namespace vfg {

/// "#!/bin/sh", the notices as comments, then `exec qemu-system-x86_64 \`
/// with one option (and its value) per line, every word quoted for the shell.
std::string render_shell_script(const std::string& vm_name, const QemuCommand& command);

}  // namespace vfg
