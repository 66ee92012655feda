#include "vm/starter_config.h"

#include <fmt/format.h>

namespace vfg {

std::string starter_definition(std::string_view name, const StarterOptions& options) {
  std::string_view os = options.os == GuestOs::kWindows ? "windows"
                        : options.os == GuestOs::kLinux ? "linux"
                                                        : "other";
  return fmt::format(R"(# VM '{0}' for vfg. Every key is described in docs/config.md.
# Check it with 'vfg args {0}', start it with 'vfg start {0}'.

os = "{1}"            # windows | linux | other: picks Hyper-V and clock defaults
accel = "auto"         # kvm when the host can run guests, tcg otherwise
stop_timeout = 60      # seconds 'vfg stop' waits for the guest to power off

[memory]
size = "8G"
prealloc = false
hugepages = false      # or "2M" / "1G" (reserved on the host first)

[cpu]
sockets = 1
cores = 4
threads = 2
model = "host"
# hyperv = "performance"   # default for Windows; "stealth" hides the hypervisor
# pin = "auto"             # or a list of host CPUs, one per vCPU

[firmware]
type = "uefi"          # OVMF from the QEMU firmware descriptors
secure_boot = false

# A system disk (qcow2 image or raw file); create one with
#   qemu-img create -f qcow2 ~/.local/share/vfg/{0}/system.qcow2 128G
# [[disk]]
# path = "/home/you/.local/share/vfg/{0}/system.qcow2"
# boot_index = 1
#
# A whole partition or disk, always by a stable name:
# [[disk]]
# path = "/dev/disk/by-partuuid/..."
#
# The installer:
# [[disk]]
# path = "/home/you/Downloads/installer.iso"
# media = "cdrom"
# boot_index = 2

# The GPU to pass through, by its PCI address ('lspci -D'):
# [[gpu]]
# address = "01:00.0"
# functions = "all"    # with its HDMI audio and other functions

# USB devices, by physical port ('lsusb -t') or by id ('lsusb'):
# [[usb]]
# port = "3-1.4.2"
# [[usb]]
# id = "046d:c539"

[audio]
backend = "auto"       # pipewire | pulseaudio | none

[network]
mode = "user"          # bridge | tap | none
# forwards = ["tcp:127.0.0.1:3389:3389"]

[looking_glass]
enabled = false
width = 1920
height = 1080

[display]
type = "none"          # std (a window) | spice
)",
                     name, os);
}

}  // namespace vfg
