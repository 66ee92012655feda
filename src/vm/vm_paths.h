// Where one VM's files live: its definition, its data (firmware variables,
// TPM state), its runtime state (sockets, pid, lock, swtpm's and the serial
// console's logs) and the supervisor's log, kept across reboots.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/xdg.h"

namespace vfg {

/// Checks a VM name: 1-64 characters from [A-Za-z0-9._-], not starting with '.' or '-'.
/// It becomes a file name, a directory name and QEMU's -name, so nothing else is allowed.
Status validate_vm_name(std::string_view name);

/// Every path that belongs to one VM, derived from the XDG directories and its name.
struct VmPaths {
  std::string name;
  std::filesystem::path config_file;   ///< $XDG_CONFIG_HOME/vfg/NAME.toml
  std::filesystem::path data_dir;      ///< $XDG_DATA_HOME/vfg/NAME/
  std::filesystem::path tpm_dir;       ///< data_dir/tpm (swtpm state)
  std::filesystem::path runtime_dir;   ///< $XDG_RUNTIME_DIR/vfg/NAME/
  std::filesystem::path qmp_socket;    ///< runtime_dir/qmp.sock
  std::filesystem::path spice_socket;  ///< runtime_dir/spice.sock
  std::filesystem::path tpm_socket;    ///< runtime_dir/tpm.sock
  std::filesystem::path agent_socket;  ///< runtime_dir/qga.sock (QEMU guest agent channel)
  std::filesystem::path pid_file;      ///< runtime_dir/qemu.pid
  std::filesystem::path state_dir;     ///< $XDG_STATE_HOME/vfg/NAME/ (survives a reboot)
  /// state_dir/qemu.log: the supervisor's log (QEMU's stdout/stderr and vfg's
  /// own lines) of the last run; the run before it is qemu.log.1.
  std::filesystem::path log_file;
  std::filesystem::path serial_log;  ///< runtime_dir/serial.log (guest serial console)
  std::filesystem::path lock_file;   ///< runtime_dir/lock

  /// The paths of VM `name` (not validated; call validate_vm_name first).
  static VmPaths make(const XdgDirs& dirs, std::string_view name);

  /// The per-VM copy of the firmware variable store: OVMF_VARS.fd for raw
  /// templates, OVMF_VARS.qcow2 for qcow2 ones (format as in the descriptor).
  [[nodiscard]] std::filesystem::path vars_file(std::string_view format = "raw") const;
};

}  // namespace vfg
