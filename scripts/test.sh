#!/usr/bin/env bash
# Installs everything, builds, and runs the whole test suite: once in the
# debug build and once under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
# clang-tidy over every unit (scripts/tidy.py: only units whose preprocessed text changed since a
# clean run on this machine) needs only the configured dev tree. It runs at the lowest priority,
# on the CPU the steps below leave idle (downloads, the single-CPU guests of the real-QEMU steps
# and of the VFIO bench), and is collected before the format check.
[ -f build/dev/build.ninja ] || cmake --preset dev >/dev/null
setsid -w nice -n 19 ./scripts/tidy.py build/dev >build/dev/tidy.out 2>&1 & tidy=$!
trap 'kill -- -"$tidy" 2>/dev/null || true' EXIT
./scripts/build-guest.sh build/guest
# Today's QEMU, OVMF, swtpm and udev from Debian unstable (cached between runs):
# made here, outside the suites' per-test time limits.
./scripts/current-stack-root.sh >/dev/null

for preset in dev asan; do
  echo "== build ($preset)"
  ./scripts/build.sh "$preset"
  echo "== test ($preset)"
  ctest --preset "$preset"
done
./scripts/test-package.sh # the Debian package, built as Debian builds it, tried in a clean Debian 12 root
FUZZ_SECONDS=20 ./scripts/fuzz.sh # every libFuzzer target for 20 s (fuzz/README.md)

echo "== real-QEMU tests on today's stack (Debian unstable's QEMU, OVMF, swtpm; docs/qemu-versions.md)"
./scripts/with-current-stack.sh build/dev/tests/vfg_tests \
  --gtest_filter='QemuBoot.*:LauncherTest.*:VfgRunTest.*:TpmTest.*:QemuCaps.*:QemuCapsCacheTest.*:LaunchPlanner.*:Firmware.*:AudioServers.*-VfgRunTest.KilledQemuIsNoticedAndTheNextStartWorks:VfgRunTest.StartProbesQemuOnceAndThenFromTheCache'

echo "== VFIO bench (dev build)"
./scripts/test-vfio-bench.sh dev

echo "== clang-tidy (started after install-deps)"
wait "$tidy" || { cat build/dev/tidy.out; exit 1; }
cat build/dev/tidy.out

echo "== format"
unformatted=$(git ls-files '*.cc' '*.h' | xargs -r clang-format --dry-run 2>&1 | grep -c 'warning:' || true)
if [ "$unformatted" -ne 0 ]; then
  echo "clang-format: $unformatted places off-format (run: git ls-files '*.cc' '*.h' | xargs clang-format -i)"
  exit 1
fi
