#!/usr/bin/env bash
# Builds (or reuses) the VFIO bench's L1 guest and prints its directory:
# Debian's own kernel with its whole module tree (shared into L1 over 9p at
# /lib/modules) and a busybox initramfs holding only what it takes to mount
# this machine's root file system over 9p (scripts/vfio-bench/init).
# Usage: build-vfio-bench.sh   → DIR with vmlinuz, initrd.gz, modules/<version>/
#
# Cached under $VFG_BENCH_CACHE (default /var/cache/vfg-test/vfio-bench),
# keyed on the kernel package version and this script and init, so a second run
# on the same machine costs nothing and a changed input builds afresh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${VFG_BENCH_CACHE:-/var/cache/vfg-test/vfio-bench}

kernel_package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
if [ -z "$kernel_package" ]; then
  apt-get update -qq
  kernel_package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
fi
kernel_version=$(apt-cache show "$kernel_package" | awk '/^Version:/ {print $2; exit}')
key=$(cat "$0" "$here/vfio-bench/init" | sha256sum | cut -c1-12)
out="$cache/$kernel_package-$kernel_version-$key"
if [ -f "$out/.complete" ]; then
  echo "$out"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.building-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
# apt-get download needs no root; as root it warns that _apt cannot write here.
apt-get download -qq "$kernel_package" busybox-static 2>/dev/null
dpkg-deb -x linux-image-*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox
modules_dir=$(echo kernel/lib/modules/*)
version=$(basename "$modules_dir")
# The package's postinst would run depmod; L1's modprobe needs its output.
depmod -b kernel "$version"

# What init needs before the root is mounted, in load order (dependencies
# first, from the kernel's own modules.dep). Built-in ones are skipped.
wanted="virtio_pci virtio_console 9pnet_virtio 9p overlay"
root="$work/initramfs"
mkdir -p "$root"/{bin,dev,proc,sys,host,rw,newroot,lib/modules}
: > "$root/lib/modules/load-order"
add_module() { # NAME: the module and its dependencies, each once
  local path
  path=$(awk -F: -v n="$1" '{m=$1; sub(/.*\//, "", m); sub(/\.ko.*/, "", m); gsub(/-/, "_", m)} m==n {print $1; exit}' \
    "$modules_dir/modules.dep")
  [ -n "$path" ] || return 0 # built in
  grep -qxF "$path" "$root/lib/modules/load-order" && return 0
  local dep
  for dep in $(awk -F: -v p="$path" '$1==p {print $2}' "$modules_dir/modules.dep"); do
    dep=$(basename "$dep"); dep=${dep%%.ko*}; add_module "${dep//-/_}"
  done
  echo "$path" >> "$root/lib/modules/load-order"
}
for name in $wanted; do add_module "$name"; done
while read -r path; do
  target="$root/lib/modules/$(basename "${path%%.ko*}").ko"
  case "$path" in
    *.xz) xz -dc "$modules_dir/$path" > "$target" ;;
    *.zst) zstd -qdc "$modules_dir/$path" > "$target" ;;
    *) cp "$modules_dir/$path" "$target" ;;
  esac
done < "$root/lib/modules/load-order"
sed -i 's|.*/||; s|\.ko.*|.ko|' "$root/lib/modules/load-order"
cp busybox/bin/busybox "$root/bin/busybox"
install -m 0755 "$here/vfio-bench/init" "$root/init"

mkdir -p result/modules
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -6) > result/initrd.gz
cp kernel/boot/vmlinuz-* result/vmlinuz
mv "$modules_dir" result/modules/"$version"
touch result/.complete
rm -rf "$out"
mv result "$out"
# Benches built from older inputs are 400 MB each and never used again.
find "$cache" -mindepth 1 -maxdepth 1 -name 'linux-image-*' ! -path "$out" -exec rm -rf {} +
echo "vfio-bench: L1 kernel $kernel_package ($kernel_version), modules of $version" >&2
echo "$out"
