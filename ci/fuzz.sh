#!/usr/bin/env bash
# Fuzzes chosen targets for a while, in libFuzzer's fork mode on every core, then merges what
# found new coverage back into corpora/<target>/corpus. Exits 1 on a new crash and prints, for
# each, the command that reproduces it and the input decoded as its operation program. Known
# third-party bugs (docs/fuzzing.md) are tolerated by the targets and only reported.
#
# Usage: ci/fuzz.sh [-t SECONDS_PER_TARGET] [-j JOBS] [-b BUILD_DIR] [TARGET...]
#        (default: 300 s, all cores, build/fuzz, every target in corpora/). Builds with the
#        fuzz preset.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=300
jobs=$(nproc)
build=build/fuzz
while getopts "t:j:b:" option; do
  case $option in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    *) sed -n '2,10p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls corpora))

cmake --preset fuzz -B "$build" >/dev/null
for target in "${targets[@]}"; do
  [ -d "corpora/$target" ] || { echo "ci/fuzz.sh: no target '$target' (see corpora/)" >&2; exit 2; }
  cmake --build "$build" --target "fuzz_$target" "fuzz_${target}_replay"
done

# libFuzzer flags from corpora/<target>/<target>.options ("key = value" under [libfuzzer]).
options_of() {
  local dir=corpora/$1
  sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "$dir/$1.options" 2>/dev/null || true
  [ -f "$dir/$1.dict" ] && echo "-dict=$dir/$1.dict"
}

new_crashes=0
for target in "${targets[@]}"; do
  work=$build/fuzz-work/$target
  artifacts=$build/fuzz-artifacts/$target
  mkdir -p "$work" "$artifacts"
  inputs=(corpora/$target/corpus)
  [ -d corpora/$target/regressions ] && inputs+=(corpora/$target/regressions)
  echo "=== $target: ${seconds}s on $jobs jobs"
  log=$artifacts/fuzz.log
  status=0
  "$build/fuzz/fuzz_$target" $(options_of "$target") -fork="$jobs" -max_total_time="$seconds" \
    -artifact_prefix="$artifacts/" "$work" "${inputs[@]}" >"$log" 2>&1 || status=$?
  grep -E "^#[0-9]+: cov:" "$log" | tail -1 || true
  # Fork-mode jobs log privately: replay what they found to report the known bugs it hits.
  "$build/fuzz/fuzz_${target}_replay" "$work" 2>&1 | grep "memsoak-fuzz: known bug" | sort -u || true

  # Fold new coverage into the committed corpus (minimizing what is added).
  "$build/fuzz/fuzz_$target" -merge=1 "corpora/$target/corpus" "$work" >/dev/null 2>&1

  shopt -s nullglob
  found=("$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*)
  shopt -u nullglob
  if [ $status -ne 0 ] || [ ${#found[@]} -gt 0 ]; then
    echo "!!! $target: new failure (libFuzzer exit $status); log: $log"
    for input in "${found[@]}"; do
      echo "--- reproduce: $build/fuzz/fuzz_$target $input"
      echo "    or without libFuzzer: $build/fuzz/fuzz_${target}_replay $input"
      "$build/fuzz/fuzz_${target}_replay" --print "$input" | head -40
    done
    new_crashes=$((new_crashes + 1))
  fi
done

if [ $new_crashes -gt 0 ]; then
  echo "ci/fuzz.sh: $new_crashes target(s) found new failures: minimize with -minimize_crash=1," \
       "keep the reproducer in corpora/<target>/regressions/ and fix (or record a known bug)."
  exit 1
fi
echo "ci/fuzz.sh: no new failure"
