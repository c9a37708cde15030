#!/usr/bin/env bash
# Aggregates the cells of a nightly soak (the directories ci/nightly-cell.sh writes, as the
# workflow downloads them: DIR/<any>/cell.json with run/verdict.json beside it; a bare run
# directory's verdict.json counts too) with `memsoak merge`: a Markdown table on standard
# output (scenario, allocator, verdict, expected verdict, result, reproduce command, and each
# failure's explanation) and a JUnit XML file (one testcase per cell; a <failure> with the
# explanation and the reproduce command when the verdict is not the expected one). With -m,
# every cell of the workflow's matrix JSON that left no result is reported as a failure too.
#
# Usage: ci/nightly-summary.sh [-j JUNIT_FILE] [-m MATRIX_JSON_FILE] DIR
#        (JUNIT_FILE defaults to DIR/junit.xml; MEMSOAK=path/to/memsoak overrides
#        build/release/memsoak)
# Exits 0 when every cell reached its expected verdict, 1 when any differs, left no verdict,
# or is missing, 2 on bad usage or when no cell was found.
set -euo pipefail

usage() { sed -n '10,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
junit="" matrix=""
while getopts "j:m:" flag; do
  case "$flag" in
    j) junit=$OPTARG ;;
    m) matrix=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
dir=$1
memsoak=${MEMSOAK:-build/release/memsoak}
[ -x "$memsoak" ] || { echo "nightly-summary: no $memsoak: build it, or set MEMSOAK" >&2; exit 2; }
junit=${junit:-$dir/junit.xml}
mkdir -p "$(dirname "$junit")"

args=(merge --format markdown --junit "$junit")
[ -z "$matrix" ] || args+=(--matrix "$matrix")
exec "$memsoak" "${args[@]}" "$dir"
