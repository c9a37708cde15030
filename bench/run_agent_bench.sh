#!/usr/bin/env bash
# Runs bench/agent_bench once under every installed allocator, and under glibc with memsoak's
# counting library (bench/under_each_allocator.sh), and prints one table: per allocator and
# heap, the agent thread's median CPU time for one statistics reading and for one purge (each
# made afresh), and the share of one core the agent took when asked every 0.1 s, the shortest
# default sample interval, within its default CPU budget (soak/agent/agent_page.h).
#   bench/run_agent_bench.sh [BUILD_DIR] [REPETITIONS] [MIN_TIME_S] [JSON_DIR]
#   (defaults: build/release, 5 repetitions of at least 0.5 s each; JSON_DIR keeps the
#   benchmark's JSON output, one file per allocator: bench/agent_table.py JSON_DIR prints the
#   table again from it)
set -euo pipefail

build_dir=${1:-build/release}
repetitions=${2:-5}
min_time_s=${3:-0.5}
if [[ -n ${4:-} ]]; then
  results=$4
  mkdir -p "$results"
else
  results=$(mktemp -d)
  trap 'rm -rf "$results"' EXIT
fi
"$(dirname "$0")/under_each_allocator.sh" "$build_dir" agent_bench "$results" "$repetitions" \
  "$min_time_s" counting

"$(dirname "$0")/agent_table.py" "$results"
