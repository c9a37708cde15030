#!/usr/bin/env bash
# Runs bench/workload_bench once under every installed allocator, and under glibc with
# memsoak's counting library (as `memsoak run --allocator system` runs it), and prints one
# table (bench/workload_table.py): the median ops/s of the soak workload without the sampler
# and with it (100 ms and 1 s intervals), the overhead, and the median CPU time of one sample
# with the share of 2 cores it takes at 10 samples/s. Each repetition is a fixed 2 s run, so
# no minimum time applies.
#   bench/run_workload_bench.sh [BUILD_DIR] [REPETITIONS] [JSON_DIR]
#   (defaults: build/release, 5 repetitions; JSON_DIR keeps the JSON)
set -euo pipefail
exec "$(dirname "$0")/under_each_allocator.sh" --counting "${1:-build/release}" workload_bench \
  "${2:-5}" 0 ${3:+"$3"}
