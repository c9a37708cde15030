#!/usr/bin/env bash
# Runs one Google Benchmark program once under every installed allocator that really serves
# malloc under its preload (as `memsoak list --json` probes it), preloaded the way memsoak
# preloads it, and prints its table: bench/NAME_table.py for the program NAME_bench, made from
# the medians and coefficients of variation of REPETITIONS randomly interleaved repetitions of
# at least MIN_TIME_S each. The JSON stays in JSON_DIR when given (RESULTS/allocators, "name
# library preload" lines, and one RESULTS/NAME.json per allocator: the table script prints the
# table again from it); otherwise in a temporary directory, removed at the end. With
# --counting, also `system+counting`: glibc under memsoak's counting library, as
# `--allocator system` runs it (harness/counted_glibc.h).
#   bench/under_each_allocator.sh [--counting] BUILD_DIR BENCH REPETITIONS MIN_TIME_S [JSON_DIR]
set -euo pipefail

usage="usage: bench/under_each_allocator.sh [--counting] BUILD_DIR BENCH REPETITIONS MIN_TIME_S [JSON_DIR]"
counting=false
if [[ ${1:-} == --counting ]]; then
  counting=true
  shift
fi
if (($# < 4 || $# > 5)); then
  echo "$usage" >&2
  exit 2
fi
build_dir=$1 bench_name=$2 repetitions=$3 min_time_s=$4
if ! [[ $repetitions =~ ^[0-9]+$ ]] || ((repetitions < 2)); then
  echo "$bench_name: REPETITIONS must be a whole number of at least 2 to have a median, not '$repetitions'" >&2
  exit 2
fi
table="$(dirname "$0")/${bench_name%_bench}_table.py"
memsoak="$build_dir/memsoak"
bench="$build_dir/bench/$bench_name"
for program in "$memsoak" "$bench" "$table"; do
  if [[ ! -x $program ]]; then
    echo "$bench_name: $program is missing: cmake --build $build_dir --target memsoak $bench_name" >&2
    exit 2
  fi
done
command -v jq >/dev/null || { echo "$bench_name: needs jq (apt-get install jq)" >&2; exit 2; }
if [[ -n ${5:-} ]]; then
  results=$5
  mkdir -p "$results"
else
  results=$(mktemp -d)
  trap 'rm -rf "$results"' EXIT
fi

"$memsoak" list --json |
  jq -r '.allocators[] | select(.installed and .serves_malloc) | "\(.name) \(.library) \(.preload)"' \
    >"$results/allocators"
counting_library="$build_dir/libmemsoak_counted_glibc.so"
if $counting; then
  if [[ ! -f $counting_library ]]; then
    echo "$bench_name: $counting_library is missing: cmake --build $build_dir --target memsoak_counted_glibc" >&2
    exit 2
  fi
  echo "system+counting $(realpath "$counting_library") true" >>"$results/allocators"
fi
if [[ ! -s $results/allocators ]]; then
  echo "$bench_name: memsoak list shows no usable allocator" >&2
  exit 3
fi

while read -r name library preload; do
  echo "running $bench_name under $name ($library)" >&2
  preload_library=""
  if [[ $preload == true ]]; then preload_library=$library; fi
  env LD_PRELOAD="$preload_library" MEMSOAK_ALLOCATOR="${name%%+*}" "$bench" \
    --benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time_s" \
    --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
    --benchmark_format=json --benchmark_out_format=json \
    --benchmark_out="$results/$name.json" >/dev/null
done <"$results/allocators"

"$table" "$results"
