#!/usr/bin/env bash
# One cell of the nightly soak matrix: `memsoak run` of SCENARIO under ALLOCATOR for DURATION
# with SEED, into OUT/run/ (series.jsonl, verdict.json), then `memsoak report OUT/run`
# (report.txt and plots). OUT/cell.json names the cell before the run starts (so a cell killed
# by its job timeout is still reported by ci/nightly-summary.sh) and records memsoak's exit
# status after; OUT/run.log keeps memsoak's output, which is also printed.
#
# Usage: ci/nightly-cell.sh SCENARIO ALLOCATOR DURATION SEED OUT [-- EXTRA memsoak run FLAGS]
#        MEMSOAK=path/to/memsoak overrides build/release/memsoak.
# Exits 0 when the verdict is the one the scenario expects under the allocator
# (verdict.json's .run.expected_verdict; a failing verdict that is expected is a pass here),
# 1 when it differs (the reproduce command is printed), 2 on bad usage, 3 when the run left no
# verdict.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 5 ] || { [ $# -gt 5 ] && [ "$6" != -- ]; }; then
  sed -n '8,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
scenario=$1 allocator=$2 duration=$3 seed=$4 out=$5
shift 5
[ $# -gt 0 ] && shift    # the --
extra=("$@")
memsoak=${MEMSOAK:-build/release/memsoak}
command -v jq >/dev/null || { echo "nightly-cell: needs jq" >&2; exit 2; }
[ -x "$memsoak" ] || { echo "nightly-cell: no $memsoak: build it (ci/nightly-build.sh)" >&2; exit 2; }
[[ $seed =~ ^[0-9]+$ ]] || { echo "nightly-cell: seed '$seed' is not a number" >&2; exit 2; }
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "nightly-cell: $out is not empty: give each cell a fresh directory" >&2; exit 2
fi
mkdir -p "$out"

run=(run --scenario "$scenario" --allocator "$allocator" --seed "$seed" --duration "$duration"
     "${extra[@]}")
command_line="$memsoak ${run[*]}"
cell() {   # cell.json: the cell, how to rerun it, and memsoak's exit status once known
  jq -n --arg scenario "$scenario" --arg allocator "$allocator" --arg duration "$duration" \
    --argjson seed "$seed" --arg command "$command_line" --argjson exit "$1" \
    '{scenario: $scenario, allocator: $allocator, duration: $duration, seed: $seed,
      command: $command, memsoak_exit: $exit}' >"$out/cell.json"
}
cell null

echo "nightly-cell: $command_line --out $out/run"
status=0
"$memsoak" "${run[@]}" --out "$out/run" 2>&1 | tee "$out/run.log" || status=${PIPESTATUS[0]}
cell "$status"

verdict_file=$out/run/verdict.json
if [ ! -f "$verdict_file" ]; then
  echo "nightly-cell: memsoak exited $status and wrote no verdict.json"
  echo "reproduce: $command_line"
  exit 3
fi

if ! "$memsoak" report "$out/run" >"$out/report.log" 2>&1; then
  # The verdict stands without plots; say so where the job log shows it.
  echo "::warning::nightly-cell: memsoak report failed for $scenario/$allocator:" \
       "$(tail -1 "$out/report.log")"
fi

IFS=$'\t' read -r verdict expected reproduce < <(jq -r \
  '[.verdict, (.run.expected_verdict // "-"), .run.command] | @tsv' "$verdict_file")
if [ "$expected" = - ] && [ "$status" -eq 0 ] || [ "$verdict" = "$expected" ]; then
  echo "nightly-cell: $scenario on $allocator: $verdict, as expected ($expected)" \
       "(memsoak exit $status)"
  [ "$status" -eq 0 ] || echo "reproduce: $reproduce"
  exit 0
fi
echo "nightly-cell: $scenario on $allocator: $verdict, expected $expected (memsoak exit $status)"
echo "  $(jq -r .explanation "$verdict_file")"
echo "reproduce: $reproduce"
exit 1
