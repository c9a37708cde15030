"""What bench/under_each_allocator.sh kept in a results directory: RESULTS/allocators (the
allocators in the order they ran) and one RESULTS/NAME.json of Google Benchmark output each.
The bench/*_table.py scripts make their tables from it."""
import json
import pathlib
import sys


def allocator_runs(results_dir):
    """The allocators' names in order, and for each the list of its benchmark runs; exits
    naming the benchmark when one of them reported an error."""
    results = pathlib.Path(results_dir)
    names = [line.split()[0] for line in (results / "allocators").read_text().splitlines()]
    runs = {}
    for name in names:
        runs[name] = json.loads((results / f"{name}.json").read_text())["benchmarks"]
        for run in runs[name]:
            if run.get("error_occurred"):
                sys.exit(f"{name}: {run['run_name']}: {run.get('error_message')}")
    return names, runs
