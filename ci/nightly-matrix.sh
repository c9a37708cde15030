#!/usr/bin/env bash
# Prints the nightly soak matrix as the JSON a workflow's `strategy.matrix` reads
# (fromJSON): {"include":[{"scenario":S,"allocator":A},...]}, every scenario `memsoak list
# --json` knows under every installed allocator, or the comma-separated subsets given.
# `-t DURATION` prints instead the per-cell job timeout in minutes for runs of DURATION
# (1.25 x the duration + 20 min for the checkout, packages and report), so that a cell that
# hangs is stopped while one that runs its full duration is not.
#
# Usage: ci/nightly-matrix.sh [-b BUILD_DIR] [SCENARIOS [ALLOCATORS]]   ("" or "all": every one)
#        ci/nightly-matrix.sh -t DURATION                                (30s, 45m, 6h, 1d)
# Exits 2 on an unknown scenario or allocator, one not installed, or a bad duration.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '9,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
build=build/release
while getopts "b:t:" flag; do
  case "$flag" in
    b) build=$OPTARG ;;
    t)
      [[ $OPTARG =~ ^([0-9]+)(s|m|h|d)$ ]] ||
        { echo "nightly-matrix: duration '$OPTARG' is not N followed by s, m, h or d" >&2; exit 2; }
      n=${BASH_REMATCH[1]}
      case ${BASH_REMATCH[2]} in s) seconds=$n ;; m) seconds=$((n * 60)) ;;
                                 h) seconds=$((n * 3600)) ;; d) seconds=$((n * 86400)) ;; esac
      echo $(( (seconds * 5 / 4 + 59) / 60 + 20 ))
      exit 0 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -le 2 ] || usage
command -v jq >/dev/null || { echo "nightly-matrix: needs jq" >&2; exit 2; }
[ -x "$build/memsoak" ] || { echo "nightly-matrix: no $build/memsoak: build it first" >&2; exit 2; }

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
"$build/memsoak" list --json | jq -c --arg scenarios "${1:-}" --arg allocators "${2:-}" '
  def wanted($list; $all):
    if ($list | gsub(" "; "")) as $l | $l == "" or $l == "all" then $all
    else $list | gsub(" "; "") | split(",") | map(select(. != "")) end;
  [.scenarios[].name] as $known_scenarios
  | [.allocators[] | select(.installed) | .name] as $installed
  | [.allocators[].name] as $known_allocators
  | wanted($scenarios; $known_scenarios) as $s
  | wanted($allocators; $installed) as $a
  | ($s - $known_scenarios) as $bad_s
  | ($a - $known_allocators) as $bad_a
  | ($a - $bad_a - $installed) as $absent
  | if ($bad_s | length) > 0 then
      error("unknown scenario(s) \($bad_s | join(", ")); known: \($known_scenarios | join(", "))")
    elif ($bad_a | length) > 0 then
      error("unknown allocator(s) \($bad_a | join(", ")); known: \($known_allocators | join(", "))")
    elif ($absent | length) > 0 then
      error("allocator(s) not installed: \($absent | join(", ")) (ci/install-deps.sh)")
    elif ($s | length) == 0 or ($a | length) == 0 then error("empty matrix")
    else {include: [$s[] as $x | $a[] as $y | {scenario: $x, allocator: $y}]} end
' 2>"$errors" ||
  { sed 's/^jq: error (at <stdin>:[0-9]*): /nightly-matrix: /' "$errors" >&2; exit 2; }
