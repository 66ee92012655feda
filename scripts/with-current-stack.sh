#!/usr/bin/env bash
# Runs CMD with today's QEMU, OVMF, swtpm and PipeWire (Debian unstable's, from
# scripts/current-stack-root.sh) in place of this machine's, and fails when
# QEMU printed a deprecation warning for anything it was given.
# Usage: with-current-stack.sh CMD [ARG...]
#
# How: in a private mount namespace (so every mount ends with CMD, whatever
# happens) the unstable root gets this machine's runtime paths (/dev, /proc,
# /sys, /run, /tmp, the checkout, the test guest) bind-mounted at the same
# place, and a directory of wrappers that run the root's programs through
# chroot goes first on PATH. vfg itself runs on this machine and reads the
# root's firmware descriptors and images, bound over /usr/share/qemu/firmware
# and /usr/share/OVMF, so what it picks is what the chrooted QEMU opens.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: with-current-stack.sh CMD [ARG...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

if [ "${VFG_CURRENT_STACK_ROOT:-}" = "" ]; then
  root=$("$here/current-stack-root.sh")
  [ "$(id -u)" -eq 0 ] || exec sudo env "PATH=$PATH" "$0" "$@"
  VFG_CURRENT_STACK_ROOT=$root exec unshare --mount --propagation private "$0" "$@"
fi
root=$VFG_CURRENT_STACK_ROOT

# This machine's places that programs in the root must see where they are here.
guest=$(readlink -f "$repo/build/guest" || true)
for dir in /dev /proc /sys /run /tmp /var/tmp "${TMPDIR:-/tmp}" "$repo" ${guest:+"$guest"}; do
  [ -d "$dir" ] || continue
  mkdir -p "$root$dir"
  mount --rbind "$dir" "$root$dir"
done
for dir in /usr/share/qemu/firmware /usr/share/OVMF; do
  mkdir -p "$dir"
  mount --bind "$root$dir" "$dir"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export VFG_DEPRECATION_LOG=$work/deprecations.log
: >"$VFG_DEPRECATION_LOG"

# chroot starts in /, so each wrapper goes back to the caller's directory.
# QEMU's wrapper keeps its process id (exec all the way down), since vfg
# tracks QEMU by it; when QEMU's stderr is a file (vfg's qemu.log), a watcher
# holding that file open copies its deprecation warnings once QEMU has ended.
# The watcher holds a shared lock on the log, which the end of this script
# takes exclusively to wait for every watcher.
mkdir "$work/bin"
for program in qemu-system-x86_64 qemu-img swtpm swtpm_setup swtpm_ioctl pipewire; do
  [ -x "$root/usr/bin/$program" ] || continue
  {
    echo '#!/bin/bash'
    if [ "$program" = qemu-system-x86_64 ]; then
      cat <<'EOF'
log=$(readlink "/proc/$$/fd/2" || true)
if [ -f "$log" ] && [ -n "${VFG_DEPRECATION_LOG:-}" ]; then
  exec 9>>"$VFG_DEPRECATION_LOG.lock"
  flock -s 9
  (trap '' TERM INT HUP # outlive a signal sent to QEMU's whole process group
   exec 3<"$log"
   tail --pid=$$ -s 0.1 -f /dev/null
   grep -i 'deprecat' <&3 | sed "s|^|$log: |" >>"$VFG_DEPRECATION_LOG" || true
  ) </dev/null >/dev/null 2>&1 &
  exec 9>&-
fi
EOF
    fi
    printf 'exec chroot %q /bin/sh -c '\''cd "$1" && shift && exec "$@"'\'' sh "$PWD" %q "$@"\n' \
      "$root" "/usr/bin/$program"
  } >"$work/bin/$program"
  chmod +x "$work/bin/$program"
done
export PATH=$work/bin:$PATH
echo "with-current-stack: $(qemu-system-x86_64 -version | head -n 1), root $root" >&2

status=0
"$@" || status=$?

flock -x "$VFG_DEPRECATION_LOG.lock" true
if [ -s "$VFG_DEPRECATION_LOG" ]; then
  echo "with-current-stack: QEMU warned that arguments vfg gave it are deprecated:" >&2
  sort -u "$VFG_DEPRECATION_LOG" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
