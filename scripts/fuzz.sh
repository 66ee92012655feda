#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan + UBSan) and runs
# each for FUZZ_SECONDS (default 30) from its seed corpus in fuzz/corpus/ and
# every input in fuzz/regressions/ that once found a bug, FUZZ_JOBS targets at
# a time (default: one per CPU). Any finding fails the run; the input is left
# in build/fuzz/findings/ to become a regression.
# Usage: fuzz.sh [TARGET...]   (default: every fuzz/*_fuzz.cc)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-$(nproc)}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in fuzz/*_fuzz.cc; do
    name=${source##*/}
    targets+=("${name%_fuzz.cc}")
  done
fi

echo "== fuzz: ${#targets[@]} targets, ${seconds} s each, $jobs at a time"
[ -f build/fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

findings=build/fuzz/findings
rm -rf "$findings"
mkdir -p "$findings"

# Runs one target; its exit status goes to findings/TARGET.status.
run_target() {
  local target=$1 status=0
  # New inputs go to a scratch corpus: the seeds in the tree stay as reviewed.
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/vfg-fuzz-$target-XXXXXX")
  local seeds=(fuzz/corpus/"$target")
  [ -d fuzz/regressions/"$target" ] && seeds+=(fuzz/regressions/"$target")
  build/fuzz/fuzz/"${target}"_fuzz -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -dict=fuzz/"$target".dict \
    -artifact_prefix="$findings/$target-" "$work" "${seeds[@]}" >"$findings/$target.log" 2>&1 ||
    status=$?
  rm -rf "$work"
  echo "$status" >"$findings/$target.status"
}

for target in "${targets[@]}"; do
  [ -x build/fuzz/fuzz/"${target}"_fuzz ] || { echo "fuzz: no target '$target'" >&2; exit 2; }
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$target" &
done
wait

failed=0
for target in "${targets[@]}"; do
  status=$(cat "$findings/$target.status")
  runs=$(grep -E '^stat::number_of_executed_units' "$findings/$target.log" | awk '{print $2}')
  echo "fuzz $target: ${runs:-?} inputs, exit $status"
  [ "$status" -eq 0 ] && continue
  failed=1
  grep -A30 -E '^==[0-9]+==ERROR|runtime error|deadly signal|Timeout|out-of-memory' \
    "$findings/$target.log" | head -60 || tail -40 "$findings/$target.log"
  echo "fuzz $target: a finding (exit $status); input in $findings/$target-*." \
    "Fix it, then add the input to fuzz/regressions/$target/"
done
exit "$failed"
