#!/usr/bin/env bash
# The allocator comparison of bench/compare.md: `memsoak compare` on the healthy scenario under
# the four allocators, 5 interleaved repeats of 30 s each (about 11 minutes, on a quiet
# machine: the workload keeps both cores busy), then bench/compare.md from the tables the tool
# wrote, bench/results/compare.json, the JSON they came from, and the plots it drew with their
# gnuplot script (data inline) in bench/results/compare/.
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
  echo
  echo "Drawn by the same command from the same runs ([results/compare/comparison.gp](results/compare/comparison.gp)"
  echo "holds their data):"
  echo
  for plot in bench/results/compare/comparison-*.png; do
    echo "![$(basename "$plot" .png)](results/compare/$(basename "$plot"))"
  done
} >bench/compare.md
