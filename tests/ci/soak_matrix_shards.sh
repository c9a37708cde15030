#!/usr/bin/env bash
# ci/soak-matrix.sh's shards: for N = 1..4, the union of shards 1..N is the whole matrix and
# no cell is in two; a Kubernetes Indexed Job's JOB_COMPLETION_INDEX/COUNT choose the same
# shard as -s; a shard outside 1..N is refused (exit 2). Lists cells only (-l): nothing runs.
#   tests/ci/soak_matrix_shards.sh BUILD_DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: tests/ci/soak_matrix_shards.sh BUILD_DIR" >&2; exit 2; }
build=$(realpath "$1")
matrix="$(dirname "$0")/../../ci/soak-matrix.sh"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

"$matrix" -b "$build" -l | sort >"$scratch/all"
cells=$(wc -l <"$scratch/all")
[ "$cells" -ge 7 ] || { echo "FAIL: the whole matrix lists $cells cells" >&2; exit 1; }
for count in 1 2 3 4; do
  : >"$scratch/union"
  for index in $(seq "$count"); do "$matrix" -b "$build" -s "$index/$count" -l >>"$scratch/union"; done
  sort "$scratch/union" -o "$scratch/union"
  if ! diff -u "$scratch/all" "$scratch/union"; then
    echo "FAIL: the $count shards together are not the whole matrix of $cells cells (diff above)" >&2
    exit 1
  fi
done
JOB_COMPLETION_INDEX=1 JOB_COMPLETION_COUNT=3 "$matrix" -b "$build" -l >"$scratch/indexed"
"$matrix" -b "$build" -s 2/3 -l >"$scratch/second"
diff -u "$scratch/second" "$scratch/indexed" ||
  { echo "FAIL: JOB_COMPLETION_INDEX=1 of 3 is not shard 2/3" >&2; exit 1; }
for bad in 0/3 4/3 1/0 x; do
  status=0
  "$matrix" -b "$build" -s "$bad" -l >/dev/null 2>&1 || status=$?
  [ "$status" -eq 2 ] || { echo "FAIL: shard '$bad' exited $status, expected 2" >&2; exit 1; }
done
echo "soak-matrix shards: $cells cells; 1 to 4 shards cover them once each"
