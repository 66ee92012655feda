#!/usr/bin/env bash
# Installs every Debian package vfg needs to build, test and run its demo.
# Safe to run again: apt skips what is already there.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config git
  libfmt-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libexpected-dev libpugixml-dev
  libgtest-dev libgmock-dev googletest clang-format clang-tidy
  # the fuzz targets (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # what vfg drives or reads
  # (qemu-system-gui holds QEMU's PulseAudio driver, `-audiodev pa`)
  qemu-system-x86 qemu-system-gui qemu-utils ovmf swtpm swtpm-tools hwdata pciutils usbutils
  kmod udev dracut-core
  # the test guest (kernel and busybox are unpacked from their .debs, not installed)
  busybox-static cpio gzip
  # tests and benchmarks (systemd and dbus: cpu.isolate runs against a real
  # systemd booted in namespaces of its own, tests/support/systemd-ns.sh; the
  # VFIO bench's L1 boots systemd, and polkitd serves its GPU handover rule)
  python3 socat hyperfine systemd dbus polkitd
  # the shells whose completions are generated and tested, and the man page lint
  bash-completion zsh fish groff-base
  # packaging: the Debian package, and the checks of the Arch and Fedora ones
  debhelper lintian makepkg pacman-package-manager rpm rpmlint
  # `vfg import --check` tests compare with libvirt's own domxml-to-native (embedded driver)
  libvirt-clients libvirt-daemon-driver-qemu
)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "vfg: installing ${#missing[@]} Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
