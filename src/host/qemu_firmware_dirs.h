// The system directories QEMU firmware descriptors live in
// (docs/interop/firmware.json), from general to specific.
#pragma once

#include <array>
#include <string_view>

namespace vfg {

/// Distro descriptors first, then the administrator's overrides. The user's
/// own directory ($XDG_CONFIG_HOME/qemu/firmware) comes after these.
inline constexpr std::array<std::string_view, 2> kQemuFirmwareSystemDirs = {
    "/usr/share/qemu/firmware", "/etc/qemu/firmware"};

}  // namespace vfg
