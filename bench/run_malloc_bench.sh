#!/usr/bin/env bash
# Runs bench/malloc_bench once under every installed allocator, preloaded the way memsoak
# preloads it (libraries and names from `memsoak list --json`), and prints one table of the
# median ns per malloc+free pair.
#   bench/run_malloc_bench.sh [BUILD_DIR] [REPETITIONS] [MIN_TIME_S]
#   (defaults: build/release, 5 repetitions of at least 0.2 s each)
set -euo pipefail

build_dir=${1:-build/release}
repetitions=${2:-5}
min_time_s=${3:-0.2}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
"$(dirname "$0")/under_each_allocator.sh" "$build_dir" malloc_bench "$results" "$repetitions" "$min_time_s"

# Table: one row per benchmark, one column per allocator: the median ns per malloc+free pair
# (CPU time) and, in parentheses, the coefficient of variation over the repetitions.
python3 - "$results" <<'PYTHON'
import json, pathlib, sys

results = pathlib.Path(sys.argv[1])
names = [line.split()[0] for line in (results / "allocators").read_text().splitlines()]
cells = {}
for name in names:
    for run in json.loads((results / f"{name}.json").read_text())["benchmarks"]:
        if run.get("error_occurred"):
            sys.exit(f"{name}: {run['run_name']}: {run.get('error_message')}")
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
PYTHON
