#!/usr/bin/env bash
# Runs the VFIO bench's end-to-end tests (tests/vfio_bench/): vfg binds a
# card, passes it to a nested guest as an ordinary user and gives it back,
# inside an L1 guest with an emulated IOMMU (docs/vfio-bench.md).
# Usage: test-vfio-bench.sh [PRESET]   (default dev: the build whose vfg is tested)
# Needs: the vfg of that preset built, and build/guest (scripts/build-guest.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
vfg=$PWD/build/$preset/vfg
[ -x "$vfg" ] || { echo "test-vfio-bench: $vfg is not built (scripts/build.sh $preset)" >&2; exit 1; }
[ -s build/guest/initrd.gz ] || { echo "test-vfio-bench: build/guest is not built (scripts/build-guest.sh build/guest)" >&2; exit 1; }
bench=$(./scripts/build-vfio-bench.sh)
logs=$PWD/build/vfio-bench-logs
mkdir -p "$logs"
# The bench runs from the checkout; leave no byte-code in it.
export PYTHONDONTWRITEBYTECODE=1
started=$(date +%s)
status=0
VFG_BIN=$vfg VFG_BENCH_DIR=$bench VFG_GUEST_DIR=$(cd build/guest && pwd -P) VFG_BENCH_LOG_DIR=$logs \
  python3 tests/vfio_bench/vfio_bench_test.py || status=$?
echo "vfio bench: $(($(date +%s) - started)) s (consoles of L1 and L2 in $logs)"
exit "$status"
