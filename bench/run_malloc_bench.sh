#!/usr/bin/env bash
# Runs bench/malloc_bench once under every installed allocator, preloaded the way memsoak
# preloads it (libraries and names from `memsoak list --json`), and prints one table of the
# median ns per malloc+free pair (bench/malloc_table.py).
#   bench/run_malloc_bench.sh [BUILD_DIR] [REPETITIONS] [MIN_TIME_S] [JSON_DIR]
#   (defaults: build/release, 5 repetitions of at least 0.2 s each; JSON_DIR keeps the
#   benchmark's JSON output, one file per allocator: bench/malloc_table.py JSON_DIR prints the
#   table again from it)
set -euo pipefail

build_dir=${1:-build/release}
repetitions=${2:-5}
min_time_s=${3:-0.2}
if [[ -n ${4:-} ]]; then
  results=$4
  mkdir -p "$results"
else
  results=$(mktemp -d)
  trap 'rm -rf "$results"' EXIT
fi
"$(dirname "$0")/under_each_allocator.sh" "$build_dir" malloc_bench "$results" "$repetitions" "$min_time_s"
"$(dirname "$0")/malloc_table.py" "$results"
