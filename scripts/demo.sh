#!/usr/bin/env bash
# The main job, end to end: install, build, list this host's devices, check
# it, then boot the bundled demo VM (a tiny busybox guest) and stop it gracefully.
# Everything the demo VM writes goes to a private temporary XDG home, removed at
# the end: it never touches the user's own VM definitions, data or runtime state.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build.sh release vfg
./scripts/build-guest.sh build/guest
vfg=$PWD/build/release/vfg
guest_dir=$PWD/build/guest

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Host reports exist as far as vfg has them; run each that `vfg --help` lists.
has_command() { "$vfg" --help | grep -qE "^  $1( |$)"; }

for report in devices check; do
  if has_command "$report"; then
    step "vfg $report"
    # A host not yet prepared for passthrough (or this very machine, which
    # has no IOMMU) makes the check report problems: that is its job, not a
    # failure of the demo. They only read, so they see the user's own
    # environment (sound server, runtime directory).
    "$vfg" "$report" || echo "(vfg $report exited with status $?)"
  fi
done

demo_home=$(mktemp -d "${TMPDIR:-/tmp}/vfg-demo.XXXXXX")
export XDG_CONFIG_HOME=$demo_home/config XDG_DATA_HOME=$demo_home/data
export XDG_RUNTIME_DIR=$demo_home/run
mkdir -p "$XDG_CONFIG_HOME/vfg" "$XDG_DATA_HOME"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
cleanup() {
  # Only if something went wrong half-way: never leave a QEMU behind.
  "$vfg" stop demo --force >/dev/null 2>&1 || true
  rm -rf "$demo_home"
}
trap cleanup EXIT

step "the demo VM definition: $XDG_CONFIG_HOME/vfg/demo.toml"
sed "s|@GUEST_DIR@|$guest_dir|g" scripts/demo.toml.in > "$XDG_CONFIG_HOME/vfg/demo.toml"
grep -v '^#' "$XDG_CONFIG_HOME/vfg/demo.toml" | sed '/^$/d'

step "vfg start demo"
"$vfg" start demo

step "vfg status demo"
"$vfg" status demo

step "waiting for the guest to boot (its serial console)"
serial=$XDG_RUNTIME_DIR/vfg/demo/serial.log
for _ in $(seq 1 600); do
  grep -q "VFG-GUEST ready" "$serial" 2>/dev/null && break
  sleep 0.2
done
if ! grep -q "VFG-GUEST ready" "$serial" 2>/dev/null; then
  echo "the guest did not report ready; its serial console:" >&2
  cat "$serial" >&2 || true
  exit 1
fi
grep -E "^VFG-GUEST (booted|cpus)" "$serial"
echo "PCI devices the guest sees:"
grep "^VFG-PCI" "$serial"

step "vfg stop demo"
"$vfg" stop demo

step "vfg status demo"
"$vfg" status demo
"$vfg" list

echo
echo "demo finished: the VM booted, reported its devices and shut down gracefully"
