#!/usr/bin/env bash
# Fuzzes chosen targets for a while, in libFuzzer's fork mode on every core, then merges what
# found new coverage back into corpora/<target>/corpus. Exits 1 on a new crash: each is
# minimised and given the command that reproduces it and the input decoded as its operation
# program (ci/fuzz-crash-report.sh). Known third-party bugs (docs/fuzzing.md) are tolerated by
# the targets and only reported. With -s, a Markdown report per target (coverage, known bugs
# met, new failures) is appended to SUMMARY_MD, such as $GITHUB_STEP_SUMMARY.
#
# Usage: ci/fuzz.sh [-t SECONDS_PER_TARGET] [-j JOBS] [-b BUILD_DIR] [-s SUMMARY_MD] [TARGET...]
#        (default: 300 s, all cores, build/fuzz, every target in corpora/). Builds with the
#        fuzz preset.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=300
jobs=$(nproc)
build=build/fuzz
summary=""
while getopts "t:j:b:s:" option; do
  case $option in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    s) summary=$OPTARG ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
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
  "$build/fuzz/fuzz_$target" $(ci/fuzz-options.sh "$target") -fork="$jobs" -max_total_time="$seconds" \
    -artifact_prefix="$artifacts/" "$work" "${inputs[@]}" >"$log" 2>&1 || status=$?
  coverage=$(grep -E "^#[0-9]+: cov:" "$log" | tail -1 || true)
  echo "$coverage"
  # Fork-mode jobs log privately: replay what they found to report the known bugs it hits.
  known=$("$build/fuzz/fuzz_${target}_replay" "$work" 2>&1 | grep "memsoak-fuzz: known bug" | sort -u || true)
  [ -z "$known" ] || echo "$known"

  # Fold new coverage into the committed corpus (minimizing what is added).
  "$build/fuzz/fuzz_$target" -merge=1 "corpora/$target/corpus" "$work" >/dev/null 2>&1

  shopt -s nullglob
  found=("$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*)
  shopt -u nullglob
  failed=false
  [ $status -eq 0 ] && [ ${#found[@]} -eq 0 ] || failed=true
  if [ -n "$summary" ]; then
    {
      echo "### fuzz $target: ${seconds} s on $jobs jobs, $($failed && echo "**new failure** (libFuzzer exit $status)" || echo "no new failure")"
      echo
      echo "${coverage:-no coverage line in the log}"
      echo
      if [ -n "$known" ]; then
        echo "Known third-party bugs met (tolerated, docs/fuzzing.md):"
        echo
        sed 's/^memsoak-fuzz: /- /' <<<"$known"
        echo
      fi
    } >>"$summary"
  fi
  if $failed; then
    echo "!!! $target: new failure (libFuzzer exit $status); log: $log"
    report=(ci/fuzz-crash-report.sh)
    [ -z "$summary" ] || report+=(-s "$summary")
    [ ${#found[@]} -eq 0 ] ||
      "${report[@]}" "$build/fuzz/fuzz_$target" "$build/fuzz/fuzz_${target}_replay" "${found[@]}"
    new_crashes=$((new_crashes + 1))
  fi
done

if [ $new_crashes -gt 0 ]; then
  echo "ci/fuzz.sh: $new_crashes target(s) found new failures: keep each minimised reproducer in" \
       "corpora/<target>/regressions/ and fix (or record a known bug)."
  exit 1
fi
echo "ci/fuzz.sh: no new failure"
