#!/usr/bin/env bash
# Configures and builds one CMake preset (dev, release or asan).
# Usage: build.sh [PRESET] [TARGET]   (TARGET: e.g. vfg, to skip building the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
# ccache hits across checkouts: paths under the checkout are hashed relative to
# it, so a clone in another folder (CI clones where it likes) reuses the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
[ -f "build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" ${2:+--target "$2"}
