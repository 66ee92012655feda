// Finding the QEMU command lines in a shell script without running it: the
// script is split into commands the way sh does (shell_lexer.h), literal
// assignments are remembered in order and the words of each qemu-system-*
// command expanded with them (shell_variables.h). Wrappers that run QEMU
// under another program (sudo, taskset, numactl) are reported and skipped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "import/shell_variables.h"

namespace vfg {

/// One qemu-system-* command found in a script.
struct QemuInvocation {
  size_t line = 0;                ///< where the command starts (1-based)
  std::string program;            ///< "qemu-system-x86_64" as written (after expansion)
  std::vector<std::string> argv;  ///< the arguments after the program
  /// Environment set for QEMU (`QEMU_AUDIO_DRV=pa qemu-…` or exported before it).
  std::map<std::string, std::string> environment;
  /// Words that could not be resolved statically, with why ("$(…) runs a command").
  std::vector<std::string> unresolved;
};

/// Every QEMU command in `script`, in order.
std::vector<QemuInvocation> find_qemu_invocations(std::string_view script,
                                                  const ShellEnvironment& environment);

}  // namespace vfg
