#!/usr/bin/env bash
# Runs one Google Benchmark program once under every installed allocator that really serves
# malloc under its preload (as `memsoak list --json` probes it), preloaded the way memsoak
# preloads it, and writes RESULTS/allocators ("name library preload" lines) and one
# RESULTS/NAME.json per allocator: the medians and coefficients of variation of REPETITIONS
# randomly interleaved repetitions of at least MIN_TIME_S each. The bench/run_*_bench.sh
# scripts make their tables from these. With `counting`, also `system+counting`: glibc under
# memsoak's counting library, as `--allocator system` runs it (harness/counted_glibc.h).
#   bench/under_each_allocator.sh BUILD_DIR BENCH RESULTS REPETITIONS MIN_TIME_S [counting]
set -euo pipefail

usage="usage: bench/under_each_allocator.sh BUILD_DIR BENCH RESULTS REPETITIONS MIN_TIME_S [counting]"
if (($# < 5 || $# > 6)) || [[ $# == 6 && $6 != counting ]]; then
  echo "$usage" >&2
  exit 2
fi
build_dir=$1 bench_name=$2 results=$3 repetitions=$4 min_time_s=$5
if ((repetitions < 2)); then
  echo "$bench_name: REPETITIONS must be at least 2 to have a median" >&2
  exit 2
fi
memsoak="$build_dir/memsoak"
bench="$build_dir/bench/$bench_name"
for program in "$memsoak" "$bench"; do
  if [[ ! -x $program ]]; then
    echo "$bench_name: $program is missing: cmake --build $build_dir --target memsoak $bench_name" >&2
    exit 2
  fi
done

"$memsoak" list --json |
  jq -r '.allocators[] | select(.installed and .serves_malloc) | "\(.name) \(.library) \(.preload)"' \
    >"$results/allocators"
counting_library="$build_dir/libmemsoak_counted_glibc.so"
if [[ ${6:-} == counting ]]; then
  if [[ ! -f $counting_library ]]; then
    echo "$bench_name: $counting_library is missing: cmake --build $build_dir --target memsoak_counted_glibc" >&2
    exit 2
  fi
  echo "system+counting $counting_library true" >>"$results/allocators"
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
