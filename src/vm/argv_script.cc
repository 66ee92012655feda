#include "vm/argv_script.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

std::string render_shell_script(const std::string& vm_name, const LaunchPlan& plan,
                                const QemuCommand& command) {
  std::string script = "#!/bin/sh\n";
  script += fmt::format("# QEMU command line of VM '{}', as 'vfg args {}' prints it.\n", vm_name,
                        vm_name);
  script += "# 'vfg start' runs the same command paused (-S), tunes the VM, then continues it.\n";
  for (const auto& notice : command.notices) script += fmt::format("# note: {}\n", notice);
  script += "set -e\n";
  script += fmt::format("mkdir -p -m 700 {}\n", shell_quote(plan.paths.runtime_dir.string()));
  if (plan.firmware) {
    // First start: the VM's own copy of the firmware variables.
    script += fmt::format("mkdir -p -m 700 {}\n", shell_quote(plan.paths.data_dir.string()));
    script += fmt::format("[ -e {0} ] || cp {1} {0}\n", shell_quote(plan.vars_copy),
                          shell_quote(plan.firmware->vars_template));
  }
  const auto& argv = command.argv;
  if (argv.empty()) return script;
  std::vector<std::string> lines;
  lines.push_back("exec " + shell_quote(argv[0]));
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "-S") continue;
    std::string line = "  " + shell_quote(argv[i]);
    // An option and its value share a line; flags stand alone.
    bool option = argv[i].size() > 1 && argv[i][0] == '-';
    if (option && i + 1 < argv.size() && !argv[i + 1].empty() && argv[i + 1][0] != '-') {
      line += " " + shell_quote(argv[++i]);
    }
    lines.push_back(std::move(line));
  }
  script += join(lines, " \\\n") + "\n";
  return script;
}

}  // namespace vfg
