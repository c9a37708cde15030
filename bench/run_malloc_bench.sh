#!/usr/bin/env bash
# Runs bench/malloc_bench once under every installed allocator, preloaded the way memsoak
# preloads it, and prints one table (bench/malloc_table.py) of the median ns per malloc+free
# pair.
#   bench/run_malloc_bench.sh [BUILD_DIR] [REPETITIONS] [MIN_TIME_S] [JSON_DIR]
#   (defaults: build/release, 5 repetitions of at least 0.2 s each; JSON_DIR keeps the JSON)
set -euo pipefail
exec "$(dirname "$0")/under_each_allocator.sh" "${1:-build/release}" malloc_bench \
  "${2:-5}" "${3:-0.2}" ${4:+"$4"}
