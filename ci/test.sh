#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then builds and tests the
# release, asan and fuzz presets (fuzz: the fuzz targets only, replays and a few seconds of
# fuzzing each). The release preset's CTest also lints .github/workflows and the scripts they
# call (ci/lint-workflows.sh). Usage: ci/test.sh [preset ...]
# (default: release asan fuzz)
# tsan is not a default: the push CI's budget cannot take a fourth full build, so the nightly
# workflow runs it (ci/tsan.sh; docs/ci.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then ci/install-deps.sh; else ci/install-deps.sh || true; fi

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan fuzz)

for preset in "${presets[@]}"; do
  echo "=== $preset: configure, build, test"
  started=$SECONDS
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  built=$SECONDS
  ctest --preset "$preset" --parallel 2
  echo "=== $preset: built in $((built - started)) s, tested in $((SECONDS - built)) s"
done
