#include "cli/start_guards.h"

#include <fmt/format.h>

#include "host/process_users.h"
#include "util/strings.h"

namespace vfg::cli {

Status refuse_foreign_qemu(const HostRoot& root, const VmConfig& config, const VmPaths& paths) {
  std::vector<std::string> files = {
      paths.qmp_socket.string(),        paths.spice_socket.string(),
      paths.pid_file.string(),          paths.tpm_socket.string(),
      paths.agent_socket.string(),      paths.vars_file("raw").string(),
      paths.vars_file("qcow2").string()};
  // CD-ROMs are read-only: two VMs may share an ISO.
  for (const auto& disk : config.disks)
    if (disk.media == DiskMedia::kDisk && !disk.read_only) files.push_back(disk.path);
  auto users = processes_using(root, files);
  if (users.empty()) return ok();
  std::vector<std::string> lines;
  for (const auto& user : users)
    lines.push_back(
        fmt::format("{} (pid {}) uses {}", user.comm, user.pid, join(user.paths, ", ")));
  return fail(
      "VM '{}' is in use by a process vfg did not start, so nothing was touched:\n  {}\n  quit "
      "it first (a QEMU run from the 'vfg args' script: close its window or 'kill {}'), then "
      "'vfg start {}'",
      config.name, join(lines, "\n  "), users.front().pid, config.name);
}

Status refuse_window_without_session(const VmConfig& config, std::optional<std::string> display,
                                     std::optional<std::string> wayland_display) {
  if (config.display.type != DisplayConfig::Type::kStd) return ok();
  if ((display && !display->empty()) || (wayland_display && !wayland_display->empty())) return ok();
  return fail(
      "VM '{0}' shows its screen in a window (display.type = \"std\"), but this shell has no "
      "graphical session ($DISPLAY and $WAYLAND_DISPLAY are unset: over SSH or on a text "
      "console), so QEMU would die with \"gtk initialization failed\"\n  start it from the "
      "desktop, or set display.type = \"spice\" ('vfg edit {0}') and watch it with 'vfg "
      "connect {0}'",
      config.name);
}

}  // namespace vfg::cli
