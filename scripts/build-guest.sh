#!/usr/bin/env bash
# Builds the tiny guest the tests and the demo boot: Debian's own kernel and a
# busybox initramfs (scripts/guest/init), both unpacked from Debian packages.
# Usage: build-guest.sh OUTDIR   → OUTDIR/vmlinuz, OUTDIR/initrd.gz
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-build/guest}" && cd "${1:-build/guest}" && pwd)

if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ] && [ "$out/initrd.gz" -nt "$here/guest/init" ] &&
   [ "$out/initrd.gz" -nt "$0" ]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

kernel_package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
if [ -z "$kernel_package" ]; then
  [ "$(id -u)" -eq 0 ] && apt-get update -qq || sudo apt-get update -qq
  kernel_package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
fi
# apt-get download needs no root; as root it warns that _apt cannot write here.
apt-get download -qq "$kernel_package" busybox-static 2>/dev/null
dpkg-deb -x linux-image-*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox

root="$work/initramfs"
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp busybox/bin/busybox "$root/bin/busybox"
install -m 0755 "$here/guest/init" "$root/init"
modules=$(echo kernel/lib/modules/*)
# The power button (ACPI) and its input node (evdev) are modules in Debian's kernel.
for name in evdev button; do
  module=$(find "$modules" -name "$name.ko*" | head -n 1)
  case "$module" in
    *.xz) xz -dc "$module" > "$root/lib/modules/$name.ko" ;;
    *.zst) zstd -qdc "$module" > "$root/lib/modules/$name.ko" ;;
    *) cp "$module" "$root/lib/modules/$name.ko" ;;
  esac
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.gz.tmp"
cp kernel/boot/vmlinuz-* "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
echo "guest: $out/vmlinuz ($kernel_package) + $out/initrd.gz"
