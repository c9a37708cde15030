#!/usr/bin/env python3
"""The arena_bench table (bench/README.md) from Google Benchmark's JSON output, and the
same-run ratios the arena is held to.

Usage: bench/arena_table.py JSON [--bound NAME=RATIO ...]

JSON is `arena_bench --benchmark_out=JSON --benchmark_repetitions=N
--benchmark_report_aggregates_only=true`. Prints each case's median items/s per allocator,
its coefficient of variation and ns per allocation, then the ratios of medians below. Each
--bound holds a ratio to a bound: `pmr`, `llvm`, `mixed-pmr`, `mixed-llvm` and `destructors`
must be at least it, `resource` (what the pmr adaptor costs over the direct arena) at most
it. Exit 1 when one is not, naming both medians.
"""
import json
import re
import sys
from collections import defaultdict

# name: (case, numerator, denominator, the ratio must be at least the bound)
RATIOS = {
    "pmr": ("SmallAllocations", "MemsoakArena", "PmrMonotonic", True),
    "llvm": ("SmallAllocations", "MemsoakArena", "LlvmBumpPtr", True),
    "resource": ("SmallAllocations", "MemsoakArena", "MemsoakArenaResource", False),
    "resource-vs-pmr-resource": ("SmallAllocations", "MemsoakArenaResource",
                                 "PmrMonotonicResource", True),
    "mixed-pmr": ("MixedAlignments", "MemsoakArena", "PmrMonotonic", True),
    "mixed-llvm": ("MixedAlignments", "MemsoakArena", "LlvmBumpPtr", True),
    "destructors": ("MakeWithDestructor", "MemsoakArena", "LlvmSpecificBumpPtr", True),
}
NAME = re.compile(r"^BM_(?P<case>[A-Za-z]+)(?:<(?P<templated>\w+)>|_(?P<suffixed>\w+))/(?P<arg>\d+)$")


def load(path):
    medians, cvs = defaultdict(dict), defaultdict(dict)
    for run in json.load(open(path))["benchmarks"]:
        if run.get("error_occurred"):
            sys.exit(f"{run['run_name']}: {run.get('error_message')}")
        match = NAME.match(run["run_name"])
        if not match:
            sys.exit(f"{path}: unexpected benchmark name {run['run_name']}")
        key = (match["case"], int(match["arg"]))
        allocator = match["templated"] or match["suffixed"]
        if run.get("aggregate_name") == "median":
            medians[key][allocator] = run["items_per_second"]
        elif run.get("aggregate_name") == "cv":
            cvs[key][allocator] = run["items_per_second"]
    if not medians:
        sys.exit(f"{path}: no median aggregates (run with --benchmark_repetitions=N)")
    return medians, cvs


def parse_bounds(args):
    bounds = {}
    while args:
        if args[0] != "--bound" or len(args) < 2 or "=" not in args[1]:
            sys.exit(f"expected --bound NAME=RATIO, got {' '.join(args)}")
        name, bound = args[1].split("=", 1)
        if name not in RATIOS:
            sys.exit(f"--bound {name}: the ratios are {', '.join(RATIOS)}")
        bounds[name] = float(bound)
        args = args[2:]
    return bounds


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    medians, cvs = load(argv[1])
    bounds = parse_bounds(argv[2:])

    print("| case | batch | allocator | median items/s | cv | ns per allocation |")
    print("|---|---:|---|---:|---:|---:|")
    for (case, arg) in sorted(medians):
        for allocator, rate in sorted(medians[(case, arg)].items(), key=lambda item: -item[1]):
            cv = cvs[(case, arg)].get(allocator)
            cv_text = f"{cv:.1%}" if cv is not None else "-"
            print(f"| {case} | {arg} | {allocator} | {rate / 1e6:.0f} M/s | {cv_text} | {1e9 / rate:.2f} |")
    print()
    print("| ratio of medians | case | batch | ratio | bound |")
    print("|---|---|---:|---:|---:|")
    failed = []
    for name, (case, top, bottom, at_least) in RATIOS.items():
        for (found_case, arg) in sorted(medians):
            rates = medians[(found_case, arg)]
            if found_case != case or top not in rates or bottom not in rates:
                continue
            ratio = rates[top] / rates[bottom]
            bound = bounds.get(name)
            bound_text = "-" if bound is None else f"{'≥' if at_least else '≤'} {bound}"
            print(f"| {top} / {bottom} | {case} | {arg} | {ratio:.2f} | {bound_text} |")
            if bound is not None and (ratio < bound if at_least else ratio > bound):
                failed.append(f"{name}: {top} / {bottom}, {case} {arg}: {ratio:.2f} "
                              f"({'below' if at_least else 'above'} {bound}; medians "
                              f"{rates[top] / 1e6:.0f} and {rates[bottom] / 1e6:.0f} M/s)")
    for line in failed:
        print(f"arena ratio out of bounds: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
