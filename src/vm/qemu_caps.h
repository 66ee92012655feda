// What the installed QEMU can do, probed from the binary instead of assumed
// from its version (distributions build with different options).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace vfg {

/// Facts about one qemu-system-x86_64 binary.
struct QemuCapabilities {
  std::string binary;   ///< full path that was probed
  std::string version;  ///< "7.2.22"
  int major = 0;
  int minor = 0;
  int micro = 0;
  /// The concrete machine type `q35` is an alias of ("pc-q35-7.2"); firmware
  /// descriptors match concrete names only.
  std::string q35_machine;
  std::vector<std::string> audio_drivers;  ///< from -audiodev help: "none", "pa", ...
  bool audiodev_pipewire = false;          ///< -audiodev pipewire (8.1+)
  bool audiodev_pa = false;                ///< -audiodev pa
  bool run_with = false;                   ///< -run-with (8.1+)
  /// The SPICE server loads: `-spice help` lists its options. Distributions
  /// ship it as a module, and -help lists -spice whether or not it is there.
  bool spice = false;
  bool qxl = false;       ///< -device qxl-vga (the SPICE display; a module too)
  bool usb_host = false;  ///< -device usb-host (libusb)
  bool ivshmem = false;   ///< -device ivshmem-plain
  /// The QMP monitor is an object (`-object monitor-qmp`); QEMU 11.1
  /// deprecates -mon, which -qmp stands for.
  bool monitor_object = false;
  /// QEMU names its threads only when asked (`-name …,debug-threads=on`);
  /// 11.1 names them always and deprecates the option.
  bool thread_names_on_request = true;
  /// -shim: direct kernel boot through a shim, which Secure Boot OVMF from
  /// edk2 2025 on needs (it refuses its insecure legacy kernel loader).
  bool shim = false;

  /// True when this QEMU is at least `major.minor`.
  [[nodiscard]] bool at_least(int want_major, int want_minor) const {
    return major > want_major || (major == want_major && minor >= want_minor);
  }
};

/// Parses `-version` output ("QEMU emulator version 7.2.22 (Debian ...)").
Result<QemuCapabilities> parse_qemu_version(const std::string& output);
/// The concrete type behind the "q35" alias in `-machine help` output, or nullopt.
std::optional<std::string> parse_q35_alias(const std::string& machine_help);
/// The driver names listed by `-audiodev help` (QEMU loads each module to list it).
std::vector<std::string> parse_audio_drivers(const std::string& audiodev_help);
/// What `-help`, `-object help`, `-name guest=…,help` and `-spice help` say, into `caps`.
void parse_qemu_help(const std::string& help, const std::string& object_help,
                     const std::string& name_help, const std::string& spice_help,
                     QemuCapabilities& caps);

/// What identifies one installation of QEMU, for caching its probe: the
/// binary's path, size and mtime, and the mtimes of the module directories
/// beside it (prefix/lib/qemu, prefix/lib64/qemu, prefix/lib/<multiarch>/qemu).
/// Drivers come and go with module packages that leave the binary alone:
/// Debian's PulseAudio driver arrives with qemu-system-gui. Empty when the
/// binary cannot be stat'ed.
std::string qemu_install_fingerprint(const std::string& binary_path);

/// Runs `binary` with -version, -machine help, -audiodev help, -device help,
/// -help, -object help, -name guest=…,help and -spice help. Results are cached in
/// memory per qemu_install_fingerprint.
Result<QemuCapabilities> probe_qemu(const std::string& binary = "qemu-system-x86_64");

}  // namespace vfg
