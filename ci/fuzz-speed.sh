#!/usr/bin/env bash
# Measures each fuzz target's speed under ASan+UBSan: three runs of SECONDS (default 60) from
# the committed corpus into a scratch directory, one job, with the target's .options and .dict
# (as ci/fuzz.sh runs it), reporting the median exec/s and the
# coverage reached (libFuzzer's cov: edges and ft: features at the end of the median run).
# Other work on the cores lowers exec/s (wall clock); executions per CPU-second of the fuzzer
# process (user + system time) hardly depend on it, so both are printed, with the load.
#
# Usage: ci/fuzz-speed.sh [-t SECONDS] [-b BUILD_DIR] [TARGET...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
build=build/fuzz
while getopts "t:b:" option; do
  case $option in
    t) seconds=$OPTARG ;;
    b) build=$OPTARG ;;
    *) sed -n '2,7p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls corpora))

cmake --preset fuzz -B "$build" >/dev/null
for target in "${targets[@]}"; do cmake --build "$build" --target "fuzz_$target" >/dev/null; done


echo "# $(date -u +%FT%TZ) $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %12s %14s %8s %8s   %s\n" target "exec/s(med)" "exec/cpu-s" cov ft "runs (exec/s)"
for target in "${targets[@]}"; do
  results=()
  for run in 1 2 3; do
    scratch=$(mktemp -d)
    # A run that fails (a crash, out of memory) still reports how far it got.
    output=$(/usr/bin/time -f "cpu-seconds %U %S" "$build/fuzz/fuzz_$target" \
               $(ci/fuzz-options.sh "$target") -max_total_time="$seconds" \
               -artifact_prefix="$scratch/" "$scratch" "corpora/$target/corpus" 2>&1 || true)
    grep -q -E "^==[0-9]+== ERROR|ORACLE FAILURE" <<<"$output" &&
      echo "# $target run $run failed: $(grep -m1 -E "ERROR|ORACLE" <<<"$output")"
    rm -rf "$scratch"
    line=$(grep -E "^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)" <<<"$output" | tail -1 || true)
    runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$line")
    execs=$(sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p' <<<"$line")
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$line")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$line")
    per_cpu=$(awk -v runs="$runs" '/^cpu-seconds/ { printf "%d", runs / ($2 + $3) }' <<<"$output")
    results+=("$execs $per_cpu $cov $ft")
  done
  median=$(printf "%s\n" "${results[@]}" | sort -n | sed -n 2p)
  read -r execs per_cpu cov ft <<<"$median"
  printf "%-10s %12s %14s %8s %8s   %s\n" "$target" "$execs" "$per_cpu" "$cov" "$ft" \
    "$(printf "%s\n" "${results[@]}" | cut -d' ' -f1 | paste -sd' ')"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
