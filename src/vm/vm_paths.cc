#include "vm/vm_paths.h"

namespace vfg {

Status validate_vm_name(std::string_view name) {
  if (name.empty()) return fail("a VM name cannot be empty");
  if (name.size() > 64) return fail("VM name '{}' is longer than 64 characters", name);
  if (name.front() == '.' || name.front() == '-') {
    return fail("VM name '{}' cannot start with '{}'", name, name.front());
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == '-';
    if (!allowed) {
      // The whole UTF-8 character: its lead byte says how many bytes follow.
      auto lead = static_cast<unsigned char>(c);
      size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      return fail("VM name '{}' contains '{}'; use letters, digits, '.', '_' and '-'", name,
                  name.substr(i, length));
    }
  }
  if (name.size() > 5 && name.substr(name.size() - 5) == ".toml")
    return fail("VM name '{}' ends in .toml; the name is '{}' (its definition is NAME.toml)", name,
                name.substr(0, name.size() - 5));
  return ok();
}

VmPaths VmPaths::make(const XdgDirs& dirs, std::string_view name) {
  VmPaths paths;
  paths.name = std::string(name);
  paths.config_file = dirs.config / (paths.name + ".toml");
  paths.data_dir = dirs.data / paths.name;
  paths.tpm_dir = paths.data_dir / "tpm";
  paths.runtime_dir = dirs.runtime / paths.name;
  paths.qmp_socket = paths.runtime_dir / "qmp.sock";
  paths.spice_socket = paths.runtime_dir / "spice.sock";
  paths.tpm_socket = paths.runtime_dir / "tpm.sock";
  paths.agent_socket = paths.runtime_dir / "qga.sock";
  paths.pid_file = paths.runtime_dir / "qemu.pid";
  paths.state_dir = dirs.state / paths.name;
  paths.log_file = paths.state_dir / "qemu.log";
  paths.serial_log = paths.runtime_dir / "serial.log";
  paths.lock_file = paths.runtime_dir / "lock";
  return paths;
}

std::filesystem::path VmPaths::vars_file(std::string_view format) const {
  return data_dir / (format == "qcow2" ? "OVMF_VARS.qcow2" : "OVMF_VARS.fd");
}

}  // namespace vfg
