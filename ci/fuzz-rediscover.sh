#!/usr/bin/env bash
# How strong the fuzz targets are on their own, measured as FuzzBench measures bug-based
# benchmarks: for each recorded known bug (corpora/<target>/regressions/known-<id>) and each
# planted arena defect (fuzz_arena_defect_<defect>), the target binary from an EMPTY corpus, RUNS
# times with seeds 1..RUNS, each until it reports the bug or SECONDS pass. Twice per bug: `bare`
# (no dictionary, no options: what a user's CI or a ClusterFuzzLite run without our corpus
# gets) and `tuned` (the target's .dict and .options, as ci/fuzz.sh runs it).
#
# -M chooses the mutator: `structure`, the targets' own (whole operations, boundary sizes;
# memsoak/fuzz.h), `bytes`, libFuzzer's byte-level mutations alone (MEMSOAK_FUZZ_MUTATOR=bytes,
# the same binary), or both, side by side.
#
# One JSON line per run goes to OUT (bug, target, mode, mutator, seed, found, seconds,
# exec_per_s); the table is bench/fuzz_rediscovery_table.py OUT. With -g BASELINE (an earlier
# OUT), exits 1 when a bug, mode and mutator that BASELINE found in every run is now found in at
# most a quarter of the runs (1 of 5).
#
# Usage: ci/fuzz-rediscover.sh [-n RUNS] [-t SECONDS] [-j JOBS] [-b BUILD_DIR] [-m bare|tuned|both]
#                              [-M structure|bytes|both] [-o OUT] [-g BASELINE] [BUG...]
#        (default: 5 runs, 60 s, all cores, build/fuzz, both modes, structure,
#        out/fuzz-rediscovery.jsonl, every bug; a BUG is a known-bug id or arena-<defect>).
#        Builds with the fuzz preset.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
seconds=60
jobs=$(nproc)
build=build/fuzz
modes=(bare tuned)
mutators=(structure)
out=out/fuzz-rediscovery.jsonl
baseline=""
while getopts "n:t:j:b:m:M:o:g:" option; do
  case $option in
    n) runs=$OPTARG ;;
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    m) [ "$OPTARG" = both ] && modes=(bare tuned) || modes=("$OPTARG") ;;
    M) [ "$OPTARG" = both ] && mutators=(structure bytes) || mutators=("$OPTARG") ;;
    o) out=$OPTARG ;;
    g) baseline=$OPTARG ;;
    *) sed -n '2,22p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
for mode in "${modes[@]}"; do
  case $mode in bare | tuned) ;; *) echo "ci/fuzz-rediscover.sh: -m $mode: bare, tuned or both" >&2; exit 2 ;; esac
done
for mutator in "${mutators[@]}"; do
  case $mutator in structure | bytes) ;; *) echo "ci/fuzz-rediscover.sh: -M $mutator: structure, bytes or both" >&2; exit 2 ;; esac
done

# Every bug as "id target binary": known bugs by their reproducers, defects by the CMake cache.
all_bugs() {
  local reproducer id target
  for reproducer in corpora/*/regressions/known-*; do
    id=${reproducer##*/known-}
    target=${reproducer#corpora/}
    target=${target%%/*}
    echo "$id $target fuzz_$target"
  done
  for defect in align_off_by_one reset_no_poison destructor_skipped chunk_boundary_overlap; do
    echo "arena-$defect arena fuzz_arena_defect_$defect"
  done
}

mapfile -t bugs < <(all_bugs)
if [ $# -gt 0 ]; then
  chosen=()
  for wanted in "$@"; do
    match=$(printf '%s\n' "${bugs[@]}" | awk -v id="$wanted" '$1 == id')
    [ -n "$match" ] || {
      echo "ci/fuzz-rediscover.sh: no bug '$wanted'; the bugs are: $(printf '%s\n' "${bugs[@]}" | cut -d' ' -f1 | tr '\n' ' ')" >&2
      exit 2
    }
    chosen+=("$match")
  done
  bugs=("${chosen[@]}")
fi

cmake --preset fuzz -B "$build" >/dev/null
mapfile -t binaries < <(printf '%s\n' "${bugs[@]}" | cut -d' ' -f3 | sort -u)
cmake --build "$build" --target "${binaries[@]}" >/dev/null


scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$scratch"' EXIT

# One run: the fuzzer in the background, its log watched for the bug. A known bug is
# tolerated and reported by the target ("memsoak-fuzz: known bug <id>"), which fuzzes on: the
# run stops there. A planted defect ends the fuzzer with a crash file.
run_one() {
  local id=$1 target=$2 binary=$3 mode=$4 mutator=$5 seed=$6
  local dir=$scratch/$id-$mode-$mutator-$seed
  mkdir -p "$dir/corpus"
  : >"$dir/log"
  local flags=(-seed="$seed" -max_total_time="$seconds" -artifact_prefix="$dir/")
  # shellcheck disable=SC2207 # options are single words
  [ "$mode" = tuned ] && flags+=($(ci/fuzz-options.sh "$target"))
  local start found=false elapsed
  start=$(date +%s.%N)
  local byte_mutations=""
  [ "$mutator" = bytes ] && byte_mutations=bytes
  MEMSOAK_FUZZ_MUTATOR=$byte_mutations "$build/fuzz/$binary" "${flags[@]}" "$dir/corpus" >"$dir/log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [[ $id != arena-* ]] && grep -q "memsoak-fuzz: known bug $id " "$dir/log"; then
      found=true
      kill "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  elapsed=$(awk -v start="$start" -v now="$(date +%s.%N)" 'BEGIN { printf "%.2f", now - start }')
  wait "$pid" 2>/dev/null || true
  if [[ $id == arena-* ]] && compgen -G "$dir/crash-*" >/dev/null; then found=true; fi
  local exec_per_s
  # The last status line's rate; none when the run ended before libFuzzer printed one (the
  # first lines print 0).
  exec_per_s=$(grep -oE "exec/s: [1-9][0-9]*" "$dir/log" | tail -1 | grep -oE "[0-9]+" || echo null)
  printf '{"bug":"%s","target":"%s","mode":"%s","mutator":"%s","seed":%d,"found":%s,"seconds":%.2f,"limit_s":%d,"exec_per_s":%s}\n' \
    "$id" "$target" "$mode" "$mutator" "$seed" "$found" "$elapsed" "$seconds" "$exec_per_s" >"$dir/result.json"
  echo "  $id $mode $mutator seed $seed: $([ "$found" = true ] && echo "found in ${elapsed%.*} s" || echo "not found in $seconds s")" >&2
}

echo "ci/fuzz-rediscover.sh: ${#bugs[@]} bugs x ${#modes[@]} modes x ${#mutators[@]} mutators x $runs runs, at most $seconds s each, $jobs at a time" >&2
results=()
for bug in "${bugs[@]}"; do
  read -r id target binary <<<"$bug"
  for mode in "${modes[@]}"; do
    for mutator in "${mutators[@]}"; do
      for seed in $(seq 1 "$runs"); do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
        run_one "$id" "$target" "$binary" "$mode" "$mutator" "$seed" &
        results+=("$scratch/$id-$mode-$mutator-$seed/result.json")
      done
    done
  done
done
wait
mkdir -p "$(dirname "$out")"
cat "${results[@]}" >"$out"
python3 bench/fuzz_rediscovery_table.py "$out"

[ -n "$baseline" ] || exit 0
python3 bench/fuzz_rediscovery_table.py "$out" --baseline "$baseline"
