// A QEMU command line as a runnable POSIX shell script: the user's qemu.sh, regenerated.
#pragma once

#include <string>

#include "vm/launch_plan.h"

namespace vfg {

/// "#!/bin/sh", the notices as comments, the directories and the firmware
/// variables copy QEMU needs, then `exec qemu-system-x86_64 \` with one option
/// (and its value) per line, every word quoted for the shell. The script runs
/// the VM on its own, so it leaves out -S: `vfg start` pauses QEMU only to
/// check and tune the VM before it continues it. A VM with a TPM gets swtpm
/// started first and stopped when QEMU ends (QEMU then runs without exec).
std::string render_shell_script(const std::string& vm_name, const LaunchPlan& plan,
                                const QemuCommand& command);

}  // namespace vfg
