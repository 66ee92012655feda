#!/usr/bin/env bash
# Times `vfg devices --json` over a large synthetic host (640 PCI functions in
# 128 IOMMU groups, 64 USB devices, 32 disks, 64 CPUs) against `lspci -nnk`
# reading the same tree. A benchmark, never a test: run it by hand.
#   bench/discovery.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
tree=$(mktemp -d "${TMPDIR:-/tmp}/vfg-bench-XXXXXX")
trap 'rm -rf "$tree"' EXIT

echo "== building the release binary"
[ -f build/release/build.ninja ] || cmake --preset release >/dev/null
cmake --build --preset release --target vfg >/dev/null
vfg=$PWD/build/release/vfg

echo "== generating the host in $tree"
python3 bench/make-large-host.py "$tree"

# lspci must really read the tree, not this machine's /sys.
pci_in_tree=$(find "$tree/sys/bus/pci/devices" -mindepth 1 -maxdepth 1 | wc -l)
lspci_count=$(lspci -A linux-sysfs -O "sysfs.path=$tree/sys/bus/pci" 2>/dev/null | wc -l)
vfg_count=$("$vfg" --root "$tree" devices --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["pci"]))')
echo "== functions in the tree: $pci_in_tree, listed by lspci: $lspci_count, by vfg: $vfg_count"
if [ "$lspci_count" != "$pci_in_tree" ] || [ "$vfg_count" != "$pci_in_tree" ]; then
  echo "bench: lspci or vfg did not read the synthetic tree" >&2
  exit 1
fi

vfg_cmd="$vfg --root $tree devices --json"
lspci_cmd="lspci -nnk -A linux-sysfs -O sysfs.path=$tree/sys/bus/pci"
echo "== timing ($runs runs each)"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs "$runs" --style basic --export-markdown "$tree/table.md" \
    -n "vfg devices --json (PCI, IOMMU, GPUs, USB, input, disks, CPU)" "$vfg_cmd" \
    -n "lspci -nnk (PCI only)" "$lspci_cmd" >/dev/null 2>&1
  cat "$tree/table.md"
else
  # Without hyperfine: mean wall time over the runs, in milliseconds.
  time_ms() {
    local start end
    start=$(date +%s%N)
    for _ in $(seq "$runs"); do $1 >/dev/null 2>&1; done
    end=$(date +%s%N)
    echo $(((end - start) / runs / 1000))
  }
  printf '| Command | Mean [µs] |\n|:---|---:|\n'
  printf '| vfg devices --json | %s |\n' "$(time_ms "$vfg_cmd")"
  printf '| lspci -nnk | %s |\n' "$(time_ms "$lspci_cmd")"
fi
