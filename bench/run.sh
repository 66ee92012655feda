#!/usr/bin/env bash
# Measures vfg's own costs and prints one table (never run as a test):
#   1. start overhead: `vfg start` until QMP reports running, against the
#      identical argv (`vfg args`) launched directly until QMP answers;
#   2. supervisor cost: resident memory, CPU time and wake-ups of the
#      supervisor over an idle period of a running VM;
#   3. discovery: bench/discovery.sh, when present.
# Usage: bench/run.sh [RUNS (default 15)] [IDLE_SECONDS (default 30)]
# Environment: VFG_BENCH_STRACE=0 skips strace (syscall count); VFG_BENCH_BINARY=PATH
# measures that vfg binary instead of building build/release/vfg.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
idle=${2:-30}
here=$(pwd)

./scripts/build-guest.sh build/guest >/dev/null
if [ -n "${VFG_BENCH_BINARY:-}" ]; then
  vfg=$VFG_BENCH_BINARY  # an already built binary (say which in the results)
else
  [ -f build/release/build.ninja ] || cmake --preset release >/dev/null
  cmake --build --preset release --target vfg >/dev/null
  vfg=$here/build/release/vfg
fi

home=$(mktemp -d)
trap 'XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data XDG_RUNTIME_DIR=$home/run \
  "$vfg" stop bench --force >/dev/null 2>&1 || true; rm -rf "$home"' EXIT
export XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data XDG_RUNTIME_DIR=$home/run
mkdir -p "$XDG_CONFIG_HOME/vfg" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
# The busybox test guest under TCG; one vCPU pinned to the last CPU, so the
# start includes planning, applying and confirming the pinning.
last_cpu=$(( $(nproc) - 1 ))
cat >"$XDG_CONFIG_HOME/vfg/bench.toml" <<TOML
os = "linux"
accel = "tcg"
[memory]
size = "256M"
[cpu]
cores = 1
threads = 1
pin = [$last_cpu]
[firmware]
type = "bios"
[audio]
enabled = false
[network]
mode = "none"
[boot]
kernel = "$here/build/guest/vmlinuz"
initrd = "$here/build/guest/initrd.gz"
append = "console=ttyS0 quiet"
TOML

start=$(python3 bench/start_overhead.py "$vfg" bench "$runs" 2>/dev/null)
supervisor=$(python3 bench/supervisor_cost.py "$vfg" bench "$idle" 2>/dev/null)
discovery=""
if [ -x bench/discovery.sh ]; then
  discovery=$(bench/discovery.sh 2>/dev/null | tail -n +1 || true)
fi

python3 - "$start" "$supervisor" "$discovery" "$(nproc)" "$(qemu-system-x86_64 -version | head -1)" <<'PY'
import json, sys
start, sup = json.loads(sys.argv[1]), json.loads(sys.argv[2])
discovery, cpus, qemu = sys.argv[3], sys.argv[4], sys.argv[5]
rows = [
    ("start: `vfg start` until running (median of %d)" % start["runs"], "%.1f ms" % start["vfg_ms"], ""),
    ("start: same argv launched directly until QMP answers", "%.1f ms" % start["direct_ms"], ""),
    ("start overhead of vfg (median of differences)", "%.1f ms" % start["overhead_ms"],
     "≤ 50 ms: " + ("met" if start["overhead_ms"] <= 50 else "MISSED")),
    ("supervisor resident memory (VmRSS / VmHWM)",
     "%.1f / %.1f MiB" % (sup["rss_kib"] / 1024, sup["hwm_kib"] / 1024),
     "≤ 5 MiB: " + ("met" if sup["hwm_kib"] <= 5 * 1024 else "MISSED")),
    ("supervisor CPU time over %d s idle" % sup["seconds"], "%.0f ms" % sup["cpu_ms"], ""),
    ("supervisor context switches / syscalls (strace -c) over %d s idle each" % sup["seconds"],
     "%d / %s" % (sup["context_switches"], "-" if sup["syscalls"] is None else sup["syscalls"]),
     "no periodic wake-ups: " + ("met" if sup["context_switches"] <= 1 else "MISSED")),
]
width = max(len(r[0]) for r in rows)
print(f"vfg benchmark — {qemu}, TCG, {cpus} CPUs, busybox guest")
print(f"| {'measure':<{width}} | value | target |")
print(f"|{'-' * (width + 2)}|-------|--------|")
for name, value, target in rows:
    print(f"| {name:<{width}} | {value} | {target} |")
if discovery.strip():
    print()
    print(discovery.rstrip())
else:
    print()
    print("discovery: bench/discovery.sh is not in the tree; no discovery numbers")
PY
