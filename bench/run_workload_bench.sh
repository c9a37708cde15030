#!/usr/bin/env bash
# Runs bench/workload_bench once under every installed allocator that really serves malloc
# under its preload (from `memsoak list --json`; `system` under memsoak's counting library, as
# `memsoak run` preloads it), and prints one table: the median ops/s of the
# soak workload without the sampler and with it (100 ms and 1 s intervals), the overhead, and
# the median CPU time of one sample with the share of 2 cores it takes at 10 samples/s.
#   bench/run_workload_bench.sh [BUILD_DIR] [REPETITIONS]   (defaults: build/release, 5)
set -euo pipefail

build_dir=${1:-build/release}
repetitions=${2:-5}
memsoak="$build_dir/memsoak"
bench="$build_dir/bench/workload_bench"
for program in "$memsoak" "$bench"; do
  if [[ ! -x $program ]]; then
    echo "run_workload_bench: $program is missing: cmake --build $build_dir --target memsoak workload_bench" >&2
    exit 2
  fi
done
command -v jq >/dev/null || { echo "run_workload_bench: needs jq (apt-get install jq)" >&2; exit 2; }

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

echo "| allocator | ops/s, no sampler | ops/s, 100 ms sampling | overhead | ops/s, 1 s sampling | overhead | CPU per sample | at 10/s on 2 cores |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
"$memsoak" list --json |
  jq -r '.allocators[] | select(.installed and .serves_malloc) | "\(.name) \(.library) \(.preload)"' |
  while read -r name library preload; do
    echo "running workload_bench under $name" >&2
    preload_library=""
    if [[ $preload == true ]]; then preload_library=$library; fi
    # As memsoak run does: glibc under the counting library built beside memsoak.
    counted_glibc="$build_dir/libmemsoak_counted_glibc.so"
    if [[ $name == system && -f $counted_glibc ]]; then preload_library=$(realpath "$counted_glibc"); fi
    env LD_PRELOAD="$preload_library" MEMSOAK_ALLOCATOR="$name" "$bench" \
      --benchmark_repetitions="$repetitions" --benchmark_enable_random_interleaving=true \
      --benchmark_format=json >"$results/$name.json"
    # The median of each variant's ops/s over the repetitions, and of a sample's CPU time (us).
    jq -r --arg name "$name" '
      def median: sort | .[length / 2 | floor];
      [.benchmarks[] | select(.run_type == "iteration")] | group_by(.run_name)
      | map({key: .[0].run_name, value: (map(.ops_per_s // .cpu_time) | median)}) | from_entries
      | [.["BM_Workload/sample_interval_ms:0/iterations:1/real_time"],
         .["BM_Workload/sample_interval_ms:100/iterations:1/real_time"],
         .["BM_Workload/sample_interval_ms:1000/iterations:1/real_time"],
         .["BM_SamplerStep/iterations:200"]] as [$off, $fast, $slow, $step_us]
      | def percent: . * 1000 | round / 10 | tostring + "%";
        "| \($name) | \($off | floor) | \($fast | floor) | \(1 - $fast / $off | percent) | \($slow | floor) | \(1 - $slow / $off | percent) | \($step_us | round) us | \($step_us * 10 / 2e6 | percent) |"' \
      "$results/$name.json"
  done
