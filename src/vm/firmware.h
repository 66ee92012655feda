// UEFI firmware chosen through QEMU's firmware descriptors
// (docs/interop/firmware.json), as libvirt does: one list from the distro,
// admin and user directories, sorted by file name, first match wins.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

/// The firmware images one descriptor maps, CODE and VARS from the same build.
struct FirmwareFiles {
  std::string descriptor;  ///< the descriptor file it came from
  std::string code;        ///< executable image, mapped read-only as pflash0
  std::string code_format = "raw";
  std::string vars_template;  ///< nvram template; each VM gets a copy
  std::string vars_format = "raw";
  bool secure_boot = false;  ///< descriptor has secure-boot (+ enrolled-keys)
  /// Secure Boot without enrolled keys: the guest starts in setup mode, and
  /// Windows' installer, signed with Microsoft's keys, is not trusted.
  bool secure_boot_unenrolled = false;
  bool requires_smm = false;  ///< needs -machine smm=on and cfi.pflash01 secure=on
};

/// What to look for.
struct FirmwareRequest {
  std::string machine;  ///< concrete machine type, e.g. "pc-q35-7.2"
  bool secure_boot = false;
};

/// Descriptor directories from general to specific: distro and admin
/// directories through `root`, the user's one as given (empty to skip).
struct FirmwareSearch {
  const HostRoot* root = nullptr;
  std::filesystem::path user_dir;  ///< $XDG_CONFIG_HOME/qemu/firmware
};

/// Picks the first matching descriptor, or fails listing what was considered.
Result<FirmwareFiles> find_firmware(const FirmwareSearch& search, const FirmwareRequest& request);

/// Makes the per-VM copy of the variable store if it does not exist yet
/// (the first start) and returns its path. An existing copy is never touched.
Result<std::filesystem::path> ensure_vars_copy(const FirmwareFiles& firmware,
                                               const std::filesystem::path& copy);

}  // namespace vfg
