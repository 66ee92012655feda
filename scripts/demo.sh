#!/usr/bin/env bash
# The main job, end to end: install, build, list this host's devices, check
# it, then boot the bundled demo VM (a tiny busybox guest) and stop it gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build-guest.sh build/guest
./scripts/build.sh release
echo "vfg built: build/release/vfg"
