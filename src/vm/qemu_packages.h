// Where each distribution family keeps the parts of QEMU that vfg uses. They
// split QEMU into loadable modules in packages of their own, so a QEMU whose
// -help lists an option may still be unable to load what implements it.
#pragma once

#include <string>

namespace vfg {

/// A part of QEMU that some distributions ship in a package of its own.
enum class QemuPart {
  kSystem,         ///< qemu-system-x86_64 itself
  kSpice,          ///< the SPICE server (ui-spice-core) and its channels
  kQxl,            ///< the qxl-vga display device of the SPICE display
  kAudioPulse,     ///< the PulseAudio audio driver (audio-pa)
  kAudioPipewire,  ///< the PipeWire audio driver (audio-pipewire, QEMU 8.1+)
};

/// "sudo apt install … (Debian/Ubuntu), sudo dnf install … (Fedora), sudo
/// pacman -S … (Arch)" for `part`.
std::string install_hint(QemuPart part);

}  // namespace vfg
