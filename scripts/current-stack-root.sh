#!/usr/bin/env bash
# Prints the path of a Debian unstable root with today's QEMU, OVMF, swtpm,
# PipeWire and udev (made once and cached by make-root.sh). Tests run these
# programs through chroot to check vfg against the stack users run now.
set -euo pipefail
exec "$(dirname "$0")/make-root.sh" unstable \
  qemu-system-x86 qemu-system-modules-spice qemu-system-gui ovmf swtpm swtpm-tools pipewire-bin udev
