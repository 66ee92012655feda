#!/usr/bin/env bash
# Makes (or reuses) a minimal Debian root with debootstrap and prints its path.
# Usage: make-root.sh SUITE PACKAGE...
#
# Tests use such roots to run the programs other distributions ship today
# (Debian unstable's QEMU, OVMF, swtpm and udevadm) or to install vfg's own
# package into a clean system. A root is cached under $VFG_ROOT_CACHE (default
# /var/cache/vfg-test/roots), keyed on the suite and the package list, so a
# second run on the same machine costs nothing. A root older than
# $VFG_ROOT_MAX_AGE_DAYS (default 14) is rebuilt, so "current" stays current.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: make-root.sh SUITE PACKAGE..." >&2; exit 2; }
suite=$1
shift
mirror=${VFG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${VFG_ROOT_CACHE:-/var/cache/vfg-test/roots}
max_age_days=${VFG_ROOT_MAX_AGE_DAYS:-14}

packages=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
key=$(printf '%s %s %s' "$suite" "$packages" "$mirror" | sha256sum | cut -c1-16)
root="$cache/$suite-$key"

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

root_is_fresh() {
  [ -f "$root/.vfg-root-complete" ] &&
    [ -z "$(find "$root/.vfg-root-complete" -mtime +"$max_age_days" 2>/dev/null)" ]
}

if root_is_fresh; then
  echo "$root"
  exit 0
fi

# Callers that ask for the same root at once wait for one build instead of racing.
sudo_if_needed mkdir -p "$cache"
exec 9>"$cache/.lock-$suite-$key"
flock 9
if root_is_fresh; then
  echo "$root"
  exit 0
fi

command -v debootstrap >/dev/null || {
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    debootstrap >/dev/null
}

# Build beside the final place and rename at the end: a killed run never
# leaves a half-made root that the next run would take for a complete one.
work=$(sudo_if_needed mktemp -d "$cache/.building-$suite-XXXXXX")
trap 'sudo_if_needed rm -rf "$work"' EXIT
log="$work.log"
echo "make-root: debootstrap $suite ($packages) into $root" >&2
# The unstable archive's Release file carries a Valid-Until that a machine
# whose clock runs ahead of the archive rejects; the signature is still checked.
if ! sudo_if_needed debootstrap --variant=minbase \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  "$suite" "$work" "$mirror" >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "make-root: debootstrap of $suite failed (full log: $log)" >&2
  exit 1
fi
echo 'Acquire::Check-Valid-Until "false";' | sudo_if_needed tee "$work/etc/apt/apt.conf.d/99vfg-test" >/dev/null
# apt inside the root, not debootstrap's --include, installs the packages: it
# picks a provider for a virtual dependency (dconf-service's dbus-session-bus)
# and configures in dependency order, where debootstrap leaves packages of
# Debian unstable's desktop stack unconfigured.
if [ $# -gt 0 ] && ! sudo_if_needed chroot "$work" /bin/sh -c \
  'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' \
  sh "$@" >>"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "make-root: installing $packages into the $suite root failed (full log: $log)" >&2
  exit 1
fi
sudo_if_needed rm -f "$log"
sudo_if_needed touch "$work/.vfg-root-complete"
sudo_if_needed rm -rf "$root"
sudo_if_needed mv "$work" "$root"
trap - EXIT
echo "$root"
