#!/usr/bin/env bash
# The allocator comparison of bench/compare.md: `memsoak compare` on the healthy scenario under
# the four allocators, 5 interleaved repeats of 30 s each (about 11 minutes, on a quiet
# machine: the workload keeps both cores busy), then bench/compare.md from the tables the tool
# wrote, bench/results/compare.json, the JSON they came from, and the plots it drew with their
# gnuplot script (data inline) in bench/results/compare/, and README's summary table.
#   bench/run_compare.sh [BUILD_DIR] [RUNS_DIR]   (RUNS_DIR holding runs already: no new runs)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
runs=${2:-}
allocators=system,jemalloc,mimalloc,tcmalloc
compare_flags=(--scenario healthy --allocator "$allocators" --duration 30s
  --repeat 5)
run_flags=(--window-docs 4000)
status=0
if [ -n "$runs" ] && [ -d "$runs" ]; then
  "$build/memsoak" compare --tables-from "$runs" >/dev/null || status=$?
else
  runs=out/bench-compare-$(date -u +%Y%m%dT%H%M%SZ)
  "$build/memsoak" compare "${compare_flags[@]}" --out "$runs" -- "${run_flags[@]}" >/dev/null ||
    status=$?
fi
# 1: runs decided other than `memsoak list` expects, which the table lists; the numbers stand.
[ "$status" -le 1 ] || exit "$status"
cp "$runs/comparison.json" bench/results/compare.json
rm -rf bench/results/compare
mkdir -p bench/results/compare
cp "$runs/comparison.gp" "$runs"/comparison-*.png bench/results/compare/
{
  echo "# Allocators compared on the soak workload (\`memsoak compare\`)"
  echo
  echo "Produced by \`bench/run_compare.sh\`, which runs"
  echo
  echo '```sh'
  echo "memsoak compare ${compare_flags[*]} -- ${run_flags[*]}"
  echo '```'
  echo
  echo "(release build, $(nproc) cores, $(uname -r), $(date -u +%F)) and keeps the tables the tool"
  echo "wrote from the runs, with their JSON: [results/compare.json](results/compare.json). How"
  echo "each number is made: [docs/compare.md](../docs/compare.md)."
  echo
  cat "$runs/comparison.md"
  # What each verdict other than the expected one saw: the first such run of each allocator.
  others=$(for verdict in "$runs"/*/verdict.json; do
    jq -r 'select(.verdict != .run.expected_verdict and .verdict != "insufficient-data")
           | "\(.run.allocator)\t- `\(input_filename | split("/") | .[-2])`, \(.verdict): \(.explanation)"' \
      "$verdict"
  done | sort -u -t$'\t' -k1,1 | cut -f2-)
  if [ -n "$others" ]; then
    echo "What the runs with another verdict than expected saw, one per allocator (their"
    echo "\`verdict.json\`); a verdict other than \`leak\` does not fail a run (\`--fail-on leak\`):"
    echo
    echo "$others"
    echo
  fi
  echo "Drawn by the same command from the same runs ([results/compare/comparison.gp](results/compare/comparison.gp)"
  echo "holds their data):"
  echo
  for plot in bench/results/compare/comparison-*.png; do
    echo "![$(basename "$plot" .png)](results/compare/$(basename "$plot"))"
  done
} >bench/compare.md

# README's summary: a few ratios of the same JSON, between its compare-table markers.
python3 - bench/results/compare.json README.md <<'PYTHON'
import json, re, sys
table = json.load(open(sys.argv[1]))["scenarios"][0]
rows = [("queries_per_s", "queries/s"), ("query_p99_us", "query p99"),
        ("peak_rss_bytes", "peak RSS"), ("mean_rss_bytes", "mean RSS")]
others = [name for name in table["allocators"] if name != table["baseline"]]
coverage = next(iter(table["allocators"][others[0]]["metrics"].values()))["ratio_to_baseline"]["coverage"]
lines = [f"| ratio to {table['baseline']}: median ({coverage:.0%} interval) | " + " | ".join(others) + " |",
         "|---" + "|---:" * len(others) + "|"]
for metric, label in rows:
    cells = []
    for name in others:
        ratio = table["allocators"][name]["metrics"][metric]["ratio_to_baseline"]
        cells.append(f"{ratio['median']:.2f} ({ratio['lower']:.2f}–{ratio['upper']:.2f})")
    lines.append(f"| {label} | " + " | ".join(cells) + " |")
readme = open(sys.argv[2]).read()
block = "<!-- compare-table:begin -->\n" + "\n".join(lines) + "\n<!-- compare-table:end -->"
readme, count = re.subn(r"<!-- compare-table:begin -->.*?<!-- compare-table:end -->", lambda _: block,
                        readme, flags=re.S)
if count != 1:
    sys.exit("README.md: no compare-table markers")
open(sys.argv[2], "w").write(readme)
PYTHON
