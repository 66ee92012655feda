#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy: a short list, every finding an error) over
# every translation unit of a configured build tree, product and tests.
# Usage: tidy.sh [BUILD_DIR]   (default build/dev; needs compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json" >&2; exit 2; }
echo "== clang-tidy ($build)"
start=$SECONDS
# run-clang-tidy exits non-zero when any file has an error (WarningsAsErrors).
run-clang-tidy -quiet -p "$build" -j "$(nproc)" "$PWD/(src|tests)/.*\.cc$" >"$build/tidy.log" 2>&1 || {
  grep -E 'error:|warning:' -A3 "$build/tidy.log" | head -n 80 >&2
  echo "tidy: findings above (full log: $build/tidy.log)" >&2
  exit 1
}
echo "   clang-tidy: clean in $((SECONDS - start)) s"
