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
if ((repetitions < 2)); then
  echo "run_malloc_bench: REPETITIONS must be at least 2 to have a median" >&2
  exit 2
fi
memsoak="$build_dir/memsoak"
bench="$build_dir/bench/malloc_bench"
for program in "$memsoak" "$bench"; do
  if [[ ! -x $program ]]; then
    echo "run_malloc_bench: $program is missing: cmake --build $build_dir --target memsoak malloc_bench" >&2
    exit 2
  fi
done

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# One "name library preload" line per allocator that is installed and really serves malloc
# under its preload (memsoak list probes that).
"$memsoak" list --json |
  jq -r '.allocators[] | select(.installed and .serves_malloc) | "\(.name) \(.library) \(.preload)"' \
    >"$results/allocators"
if [[ ! -s $results/allocators ]]; then
  echo "run_malloc_bench: memsoak list shows no usable allocator" >&2
  exit 3
fi

while read -r name library preload; do
  echo "running malloc_bench under $name ($library)" >&2
  preload_library=""
  if [[ $preload == true ]]; then preload_library=$library; fi
  env LD_PRELOAD="$preload_library" MEMSOAK_ALLOCATOR="$name" "$bench" \
    --benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time_s" \
    --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
    --benchmark_format=json --benchmark_out_format=json \
    --benchmark_out="$results/$name.json" >/dev/null
done <"$results/allocators"

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
