#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan + UBSan) and runs
# each for FUZZ_SECONDS (default 30) from its seed corpus in fuzz/corpus/ and
# every input in fuzz/regressions/ that once found a bug. Any finding fails
# the run; the input is left in build/fuzz/findings/ to become a regression.
# Usage: fuzz.sh [TARGET...]   (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(definition qmp vm_state tuning caps_cache journal)

[ -f build/fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

findings=build/fuzz/findings
mkdir -p "$findings"
for target in "${targets[@]}"; do
  # New inputs go to a scratch corpus: the seeds in the tree stay as reviewed.
  work=$(mktemp -d "${TMPDIR:-/tmp}/vfg-fuzz-$target-XXXXXX")
  seeds=(fuzz/corpus/"$target")
  [ -d fuzz/regressions/"$target" ] && seeds+=(fuzz/regressions/"$target")
  echo "== fuzz $target (${seconds}s)"
  status=0
  build/fuzz/fuzz/"${target}"_fuzz -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -dict=fuzz/"$target".dict \
    -artifact_prefix="$findings/$target-" "$work" "${seeds[@]}" >"$findings/$target.log" 2>&1 ||
    status=$?
  rm -rf "$work"
  grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$findings/$target.log" | tail -2 || true
  if [ "$status" -ne 0 ]; then
    grep -A30 -E '^==[0-9]+==ERROR|runtime error|deadly signal|Timeout|out-of-memory' \
      "$findings/$target.log" | head -60 || tail -40 "$findings/$target.log"
    echo "fuzz $target: a finding (exit $status); input in $findings/$target-*." \
      "Fix it, then add the input to fuzz/regressions/$target/"
    exit 1
  fi
done
