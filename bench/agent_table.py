#!/usr/bin/env python3
"""Prints the agent_bench table (bench/README.md) from the JSON that bench/run_agent_bench.sh
kept: per allocator and heap, the agent thread's median CPU time for one statistics reading
and for one purge, and the share of a core it took when asked every 0.1 s.
Usage: bench/agent_table.py JSON_DIR"""
import sys

from allocator_results import allocator_runs

names, runs = allocator_runs(sys.argv[1])
rows = {}
for name in names:
    for run in runs[name]:
        if run.get("aggregate_name") != "median":
            continue
        family, blocks = run["run_name"].split("/")[:2]
        row = rows.setdefault((name, int(blocks)), {})
        if family == "BM_AgentEvery100ms":
            row["share"] = run["core_share"]
        else:
            row[family] = run["agent_cpu_us"]
print("| allocator | live blocks | reading, CPU µs | purge, CPU µs | share of a core, asked every 0.1 s |")
print("|---|---:|---:|---:|---:|")
for (name, blocks), row in sorted(rows.items(), key=lambda item: (names.index(item[0][0]), item[0][1])):
    print(f"| {name} | {blocks:,} | {row['BM_AgentReadStats']:.1f} | {row['BM_AgentPurge']:.1f}"
          f" | {row['share']:.3%} |")
