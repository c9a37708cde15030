#!/usr/bin/env bash
# Runs every scenario under every installed allocator with `memsoak run` and prints a markdown
# table: the verdict, whether it is the one the scenario table expects, when the run was
# decided (a proven leak ends a run early), throughput, peak RSS and the share of a core the
# runner's sampler took. Runs one at a time: each
# run's workload uses 2 threads, and throughput figures would mix otherwise.
#
#   ci/soak-matrix.sh [-d DURATION] [-b BUILD_DIR] [-o OUT_DIR] [-- EXTRA memsoak run FLAGS]
#   e.g. ci/soak-matrix.sh -d 30s -- --window-docs 4000 > bench/soak_matrix.md
#
# Exits 1 when a run's verdict is not the expected one. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=30s
build=build/release
out=out/soak-matrix
while getopts "d:b:o:" flag; do
  case "$flag" in
    d) duration=$OPTARG ;;
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    *) echo "usage: $0 [-d DURATION] [-b BUILD_DIR] [-o OUT_DIR] [-- FLAGS]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
extra=("$@")

memsoak=$build/memsoak
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install jq)" >&2; exit 2; }
[ -x "$memsoak" ] || { echo "$0: no $memsoak: build it first (cmake --build $build)" >&2; exit 2; }

scenarios=(healthy shared-arena reset-reuse arena-no-drop fragmentation mixed-allocators
           thread-churn)
mapfile -t allocators < <("$memsoak" list --json | jq -r '.allocators[] | select(.installed) | .name')

mkdir -p "$out"
echo "Soak matrix: \`$0 -d $duration${extra[*]:+ -- ${extra[*]}}\` on $(nproc) cores," \
     "$(uname -r), $(date -u +%Y-%m-%d)."
echo
echo "| scenario | allocator | verdict | expected | exit | decided at | ops/s | peak RSS | sampler |"
echo "|---|---|---|---|---|---|---|---|---|"
unexpected=0
for scenario in "${scenarios[@]}"; do
  for allocator in "${allocators[@]}"; do
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
done
exit "$unexpected"
