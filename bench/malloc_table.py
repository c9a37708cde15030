#!/usr/bin/env python3
"""Prints the malloc_bench table (bench/README.md) from the JSON that bench/run_malloc_bench.sh
kept: one row per benchmark, one column per allocator, the median ns per malloc+free pair
(CPU time) and, in parentheses, the coefficient of variation over the repetitions.
Usage: bench/malloc_table.py JSON_DIR"""
import sys

from allocator_results import allocator_runs

names, runs = allocator_runs(sys.argv[1])
cells = {}
for name in names:
    for run in runs[name]:
        aggregate = run.get("aggregate_name")
        if aggregate == "median":
            cells.setdefault(run["run_name"], {}).setdefault(name, {})["ns"] = 1e9 / run["items_per_second"]
        elif aggregate == "cv":
            cells.setdefault(run["run_name"], {}).setdefault(name, {})["cv"] = run["cpu_time"]

def order(run_name):
    family, size = run_name.split("/")
    return family, int(size)

print("| benchmark/bytes | " + " | ".join(names) + " |")
print("|---|" + "---:|" * len(names))
for run_name in sorted(cells, key=order):
    row = " | ".join(f"{cells[run_name][n]['ns']:.1f} ({cells[run_name][n]['cv']:.0%})" for n in names)
    print(f"| {run_name} | {row} |")
