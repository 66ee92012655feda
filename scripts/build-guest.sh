#!/usr/bin/env bash
# Builds the tiny guest the tests and the demo boot: Debian's own kernel and a
# busybox initramfs (scripts/guest/init), both unpacked from Debian packages.
# Usage: build-guest.sh OUTDIR   → OUTDIR/vmlinuz, OUTDIR/initrd.gz
set -euo pipefail
# depmod lives in sbin, which a user's PATH on Debian leaves out.
PATH="$PATH:/usr/sbin:/sbin"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-build/guest}" && cd "${1:-build/guest}" && pwd)

# Keyed on this script and the guest's init: a guest built from other inputs
# (an older checkout, another branch) is built afresh, whatever the file times.
key=$(cat "$0" "$here/guest/init" | sha256sum | cut -c1-16)
if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ] && [ "$(cat "$out/key" 2>/dev/null)" = "$key" ]; then
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
modules_dir=$(echo kernel/lib/modules/*)
# The package's postinst would run depmod; the load order below needs its output.
depmod -b kernel "$(basename "$modules_dir")"
# Modules in Debian's kernel that init loads, dependencies first (the guest
# has no modprobe): the ACPI power button and its input node (evdev), and the
# virtio-serial port a guest agent answers on (virtio_console over virtio_pci).
: > "$root/lib/modules/load-order"
add_module() { # NAME: the module and its dependencies, each once; a built-in one is skipped
  local path dep
  path=$(awk -F: -v n="$1" '{m=$1; sub(/.*\//, "", m); sub(/\.ko.*/, "", m); gsub(/-/, "_", m)} m==n {print $1; exit}' \
    "$modules_dir/modules.dep")
  [ -n "$path" ] || return 0
  grep -qxF "$path" "$root/lib/modules/load-order" && return 0
  for dep in $(awk -F: -v p="$path" '$1==p {print $2}' "$modules_dir/modules.dep"); do
    dep=$(basename "$dep"); dep=${dep%%.ko*}; add_module "${dep//-/_}"
  done
  echo "$path" >> "$root/lib/modules/load-order"
}
for name in evdev button virtio_pci virtio_console; do add_module "$name"; done
while read -r path; do
  target="$root/lib/modules/$(basename "${path%%.ko*}").ko"
  case "$path" in
    *.xz) xz -dc "$modules_dir/$path" > "$target" ;;
    *.zst) zstd -qdc "$modules_dir/$path" > "$target" ;;
    *) cp "$modules_dir/$path" "$target" ;;
  esac
done < "$root/lib/modules/load-order"
sed -i 's|.*/||; s|\.ko.*|.ko|' "$root/lib/modules/load-order"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.gz.tmp"
cp kernel/boot/vmlinuz-* "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
echo "$key" > "$out/key"
echo "guest: $out/vmlinuz ($kernel_package) + $out/initrd.gz"
