#include "vm/argv_script.h"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

namespace {

/// swtpm for the VM's TPM, as 'vfg start' runs it (same state directory and
/// socket, --terminate: it ends when QEMU disconnects), started in the
/// background and stopped when the script exits, however QEMU ended.
std::string swtpm_lines(const VmPaths& paths) {
  std::string socket = shell_quote(paths.tpm_socket.string());
  std::string lines = "# The TPM: swtpm in the background until QEMU ends.\n";
  lines += fmt::format("mkdir -p -m 700 {}\n", shell_quote(paths.tpm_dir.string()));
  lines += fmt::format("rm -f {}\n", socket);
  lines += fmt::format(
      "swtpm socket --tpm2 --tpmstate dir={},mode=0600 --ctrl type=unixio,path={} "
      "--terminate --log file={} &\n",
      shell_quote(paths.tpm_dir.string()), socket,
      shell_quote((paths.runtime_dir / "swtpm.log").string()));
  lines += "swtpm_pid=$!\n";
  lines += "trap 'kill \"$swtpm_pid\" 2>/dev/null || true' EXIT\n";
  lines += "trap 'exit 130' INT TERM\n";
  // QEMU fails at once if the socket is not there yet.
  lines += fmt::format(
      "tries=0\nwhile [ ! -S {0} ]; do\n"
      "  kill -0 \"$swtpm_pid\" 2>/dev/null || {{ echo \"swtpm failed; see its log\" >&2; exit 1; "
      "}}\n"
      "  tries=$((tries + 1)); [ \"$tries\" -le 100 ] || exit 1\n  sleep 0.1\ndone\n",
      socket);
  return lines;
}

}  // namespace

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
  // Like the supervisor, the command line says whether the VM has a TPM.
  const std::string& tpm_socket = plan.paths.tpm_socket.native();
  bool tpm = std::any_of(argv.begin(), argv.end(), [&](const std::string& arg) {
    return arg.find(tpm_socket) != std::string::npos;
  });
  if (tpm) script += swtpm_lines(plan.paths);
  std::vector<std::string> lines;
  // With swtpm beside it QEMU runs as a child, so the script can stop swtpm after it.
  lines.push_back((tpm ? "" : "exec ") + shell_quote(argv[0]));
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "-S") continue;
    std::string line = "  " + shell_quote(argv[i]);
    // An option and its value share a line; flags stand alone.
    bool option = argv[i].size() > 1 && argv[i][0] == '-';
    if (option && i + 1 < argv.size() && !argv[i + 1].empty() && argv[i + 1][0] != '-') {
      line += ' ';
      line += shell_quote(argv[++i]);
    }
    lines.push_back(std::move(line));
  }
  script += join(lines, " \\\n") + "\n";
  return script;
}

}  // namespace vfg
