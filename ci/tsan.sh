#!/usr/bin/env bash
# The tsan preset, as the nightly workflow runs it: configure, build, and run every test under
# ThreadSanitizer. Not one of ci/test.sh's default presets: a fourth full build does not fit the
# push CI's budget (docs/ci.md). What the preset covers and skips: README, docs/ci.md.
#
# GCC 12's TSan runtime maps its shadow at fixed addresses and dies with "unexpected memory
# mapping" when the kernel randomises mmap with more than 28 bits (vm.mmap_rnd_bits=32 on some
# hosted runners; google/sanitizers#1716). The setting is the host's, not the container's: as
# root (the CI container, started --privileged) this script lowers it to 28; otherwise it says
# how and stops.
#
# Usage: ci/tsan.sh [JUNIT.xml]   (JOBS=N for ctest --parallel, default 2)
set -euo pipefail
[ $# -le 1 ] || { echo "usage: ci/tsan.sh [JUNIT.xml]" >&2; exit 2; }
junit=${1:+$(realpath -m "$1")}
cd "$(dirname "$0")/.."

rnd_bits_file=/proc/sys/vm/mmap_rnd_bits
if [ -r "$rnd_bits_file" ] && [ "$(cat "$rnd_bits_file")" -gt 28 ]; then
  if [ "$(id -u)" -eq 0 ] && echo 28 >"$rnd_bits_file" 2>/dev/null; then
    echo "tsan: vm.mmap_rnd_bits lowered to 28 for ThreadSanitizer"
  else
    echo "tsan: vm.mmap_rnd_bits is $(cat "$rnd_bits_file"); TSan needs at most 28:" \
         "sudo sysctl vm.mmap_rnd_bits=28" >&2
    exit 2
  fi
fi

# Both stacks of a lock-order inversion, and reports that name the race's other access.
export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1 history_size=4}

cmake --preset tsan >/dev/null
cmake --build --preset tsan
ctest_args=(--preset tsan --parallel "${JOBS:-2}")
[ -z "$junit" ] || ctest_args+=(--output-junit "$junit")
ctest "${ctest_args[@]}"
