#include "vm/qemu_packages.h"

#include <fmt/format.h>

namespace vfg {

namespace {

struct Packages {
  const char* debian;
  const char* fedora;
  const char* arch;
};

// Debian: qemu-system-modules-spice since QEMU 8 (7.2 keeps SPICE in
// qemu-system-common), the audio drivers in qemu-system-gui. Fedora and Arch
// package each module alone (Fedora's qemu-*, Arch's PKGBUILD pkgname list).
Packages packages_of(QemuPart part) {
  switch (part) {
    case QemuPart::kSystem:
      return {"qemu-system-x86", "qemu-system-x86", "qemu-full"};
    case QemuPart::kSpice:
      return {"qemu-system-modules-spice", "qemu-ui-spice-core qemu-char-spice",
              "qemu-ui-spice-core qemu-chardev-spice"};
    case QemuPart::kQxl:
      return {"qemu-system-modules-spice", "qemu-device-display-qxl", "qemu-hw-display-qxl"};
    case QemuPart::kAudioPulse:
      return {"qemu-system-gui", "qemu-audio-pa", "qemu-audio-pa"};
    case QemuPart::kAudioPipewire:
      return {"qemu-system-gui", "qemu-audio-pipewire", "qemu-audio-pipewire"};
  }
  return {"qemu-system-x86", "qemu-system-x86", "qemu-full"};
}

}  // namespace

std::string install_hint(QemuPart part) {
  Packages packages = packages_of(part);
  return fmt::format(
      "sudo apt install {} (Debian/Ubuntu), sudo dnf install {} (Fedora), sudo pacman -S {} "
      "(Arch)",
      packages.debian, packages.fedora, packages.arch);
}

}  // namespace vfg
