// Probing QEMU runs it several times (~100 ms), more than the rest of a start.
// The answer only changes when the installation does, so it is kept in the
// runtime directory (tmpfs, gone at reboot), keyed by qemu_install_fingerprint.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/xdg.h"
#include "vm/qemu_caps.h"

namespace vfg {

/// The capabilities in a cache file's bytes when they were probed from the
/// installation `key` names (qemu_install_fingerprint) by this version of the
/// probe; nullopt for anything else (another installation, an older format,
/// damaged or hostile bytes), which means "probe again".
std::optional<QemuCapabilities> parse_qemu_caps_cache(std::string_view bytes,
                                                      const std::string& key);

/// The bytes of a cache file holding `caps` for the installation `key`.
std::string serialize_qemu_caps_cache(const QemuCapabilities& caps, const std::string& key);

/// probe_qemu(binary), answered from `cache_file` when the binary is unchanged.
Result<QemuCapabilities> probe_qemu_cached(const std::filesystem::path& cache_file,
                                           const std::string& binary = "qemu-system-x86_64");

/// Where the user's cache lives: $XDG_RUNTIME_DIR/vfg/qemu-capabilities.json.
std::filesystem::path qemu_caps_cache_file(const XdgDirs& dirs);

/// probe_qemu_cached with the user's cache file; a plain probe when the
/// environment gives no home to place it by.
Result<QemuCapabilities> probe_qemu_for_user(const std::string& binary = "qemu-system-x86_64");

}  // namespace vfg
