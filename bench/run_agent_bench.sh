#!/usr/bin/env bash
# Runs bench/agent_bench once under every installed allocator, and under glibc with memsoak's
# counting library, and prints one table (bench/agent_table.py): per allocator and heap, the
# agent thread's median CPU time for one statistics reading and for one purge (each made
# afresh), and the share of one core the agent took when asked every 0.1 s, the shortest
# default sample interval, within its default CPU budget (soak/agent/agent_page.h).
#   bench/run_agent_bench.sh [BUILD_DIR] [REPETITIONS] [MIN_TIME_S] [JSON_DIR]
#   (defaults: build/release, 5 repetitions of at least 0.5 s each; JSON_DIR keeps the JSON)
set -euo pipefail
exec "$(dirname "$0")/under_each_allocator.sh" --counting "${1:-build/release}" agent_bench \
  "${2:-5}" "${3:-0.5}" ${4:+"$4"}
