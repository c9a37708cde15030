#!/usr/bin/env bash
# bench/fuzz_rediscovery_table.py, the nightly rediscovery guard: a table from results, no
# failure against its own baseline, a failure naming the bug once it is found in 1 run of 5,
# and none for a bug that was never found in every run.
set -euo pipefail
table=$(dirname "$0")/../../bench/fuzz_rediscovery_table.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# RESULTS FILE BUG FOUND_RUNS: five runs of BUG (bare, structure), the first FOUND_RUNS found.
results() {
  local seed
  for seed in 1 2 3 4 5; do
    local found=false
    [ "$seed" -le "$3" ] && found=true
    printf '{"bug":"%s","target":"t","mode":"bare","mutator":"structure","seed":%d,"found":%s,"seconds":%d.5,"limit_s":60,"exec_per_s":1000}\n' \
      "$2" "$seed" "$found" "$seed"
  done >>"$1"
}
results "$work/before" steady 5
results "$work/before" flaky 4
results "$work/after" steady 1
results "$work/after" flaky 0

python3 "$table" "$work/before" | grep -q '| steady | t | bare | structure | 5/5 | 3.5 s | 1000 |'
python3 "$table" "$work/after" | grep -q '| flaky | t | bare | structure | 0/5 | > 60 s | 1000 |'
python3 "$table" "$work/before" --baseline "$work/before"
if python3 "$table" "$work/after" --baseline "$work/before" 2>"$work/err"; then
  echo "a bug found in 1 run of 5, after 5 of 5, did not fail the guard" >&2
  exit 1
fi
grep -q "no longer found: steady (bare, structure): found in every run before, now in 1 of 5" "$work/err"
if grep -q flaky "$work/err"; then
  echo "a bug never found in every run failed the guard" >&2
  exit 1
fi
echo "rediscovery_table: ok"
