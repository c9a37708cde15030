#!/usr/bin/env bash
# Runs every scenario under every installed allocator with `memsoak run` and prints a markdown
# table: the verdict, whether it is the one the scenario table expects, when the run was
# decided (a proven leak ends a run early), throughput, peak RSS and the share of a core the
# runner's sampler took. Runs one at a time: each
# run's workload uses 2 threads, and throughput figures would mix otherwise.
#
#   ci/soak-matrix.sh [-d DURATION] [-b BUILD_DIR] [-o OUT_DIR] [-s I/N] [-l]
#                     [-- EXTRA memsoak run FLAGS]
#   e.g. ci/soak-matrix.sh -d 30s -- --window-docs 4000 > bench/soak_matrix.md
#
# -s I/N runs shard I of N (1 <= I <= N): the cells whose place in the matrix, counted from 0,
# is I-1 modulo N, so N machines share the matrix and no cell runs twice. Without -s, a
# Kubernetes Indexed Job's JOB_COMPLETION_INDEX (from 0) and JOB_COMPLETION_COUNT choose it.
# -l lists the shard's cells ("scenario allocator" lines) instead of running them.
# Exits 1 when a run's verdict is not the expected one, 2 on bad usage. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=30s
build=build/release
out=out/soak-matrix
shard=""
list_only=false
if [ -n "${JOB_COMPLETION_INDEX:-}" ] && [ -n "${JOB_COMPLETION_COUNT:-}" ]; then
  shard=$((JOB_COMPLETION_INDEX + 1))/$JOB_COMPLETION_COUNT
fi
while getopts "d:b:o:s:l" flag; do
  case "$flag" in
    d) duration=$OPTARG ;;
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    s) shard=$OPTARG ;;
    l) list_only=true ;;
    *) echo "usage: $0 [-d DURATION] [-b BUILD_DIR] [-o OUT_DIR] [-s I/N] [-l] [-- FLAGS]" >&2
       exit 2 ;;
  esac
done
shard_index=1 shard_count=1
if [ -n "$shard" ]; then
  if ! [[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] || ((BASH_REMATCH[2] < 1)) ||
     ((BASH_REMATCH[1] < 1 || BASH_REMATCH[1] > BASH_REMATCH[2])); then
    echo "$0: shard '$shard' is not I/N with 1 <= I <= N (JOB_COMPLETION_INDEX counts from 0)" >&2
    exit 2
  fi
  shard_index=${BASH_REMATCH[1]} shard_count=${BASH_REMATCH[2]}
fi
shift $((OPTIND - 1))
extra=("$@")

memsoak=$build/memsoak
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install jq)" >&2; exit 2; }
[ -x "$memsoak" ] || { echo "$0: no $memsoak: build it first (cmake --build $build)" >&2; exit 2; }

scenarios=(healthy shared-arena reset-reuse arena-no-drop fragmentation mixed-allocators
           thread-churn)
mapfile -t allocators < <("$memsoak" list --json | jq -r '.allocators[] | select(.installed) | .name')

cells=()
for scenario in "${scenarios[@]}"; do
  for allocator in "${allocators[@]}"; do cells+=("$scenario $allocator"); done
done
shard_cells=()
for i in "${!cells[@]}"; do
  ((i % shard_count == shard_index - 1)) && shard_cells+=("${cells[$i]}")
done
if $list_only; then
  printf '%s\n' "${shard_cells[@]}"
  exit 0
fi

mkdir -p "$out"
echo "Soak matrix${shard:+ (shard $shard_index/$shard_count)}: \`$0 -d $duration${extra[*]:+ -- ${extra[*]}}\` on $(nproc) cores," \
     "$(uname -r), $(date -u +%Y-%m-%d)."
echo
echo "| scenario | allocator | verdict | expected | exit | decided at | ops/s | peak RSS | sampler |"
echo "|---|---|---|---|---|---|---|---|---|"
unexpected=0
for cell in "${shard_cells[@]}"; do
  read -r scenario allocator <<<"$cell"
  dir=$out/$scenario-$allocator
  rm -rf "$dir"
  status=0
  "$memsoak" run --scenario "$scenario" --allocator "$allocator" --duration "$duration" \
    --out "$dir" "${extra[@]}" >"$out/$scenario-$allocator.log" 2>&1 || status=$?
  if [ ! -f "$dir/verdict.json" ]; then
    echo "| $scenario | $allocator | error | | $status | | | | |"
    unexpected=1
    continue
  fi
  # A run decided live stops at proven_at; otherwise it was decided at its end.
  row=$(jq -r '[.verdict, (.run.expected_verdict // "-"),
                ((.proven_at.t_s // .run.elapsed_s) | floor | tostring) + " s",
                (.run.ops_per_s | floor | tostring),
                ((.run.peak_rss_bytes / 1048576 * 10 | floor) / 10 | tostring) + " MiB",
                ((.run.sampler_core_share // 0) * 1000 | round / 10 | tostring) + " %"]
               | @tsv' "$dir/verdict.json")
  IFS=$'\t' read -r verdict expected decided ops peak sampler <<<"$row"
  [ "$verdict" = "$expected" ] || [ "$expected" = "-" ] || unexpected=1
  echo "| $scenario | $allocator | $verdict | $expected | $status | $decided | $ops | $peak | $sampler |"
done
exit "$unexpected"
