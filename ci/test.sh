#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then builds and tests the
# release, asan and fuzz presets (fuzz: the fuzz targets only, replays and a few seconds of
# fuzzing each). Usage: ci/test.sh [preset ...]   (default: release asan fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then ci/install-deps.sh; else ci/install-deps.sh || true; fi

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan fuzz)

for preset in "${presets[@]}"; do
  echo "=== $preset: configure, build, test"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset" --parallel 2
done
