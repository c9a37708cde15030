#!/usr/bin/env bash
# ci/fuzz-crash-report.sh on a real failure: the arena target built with a planted defect
# fuzzes from the committed corpus until it fails (at most 60 s), then the report must leave a
# reproducer no larger than the crash, its operation program, its reproduce command, and a
# summary section naming them.
#   tests/ci/fuzz_crash_report.sh DEFECT_TARGET REPLAY CORPUS_DIR [LIBFUZZER_FLAG...]
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: tests/ci/fuzz_crash_report.sh DEFECT_TARGET REPLAY CORPUS_DIR [FLAG...]" >&2; exit 2; }
target=$1 replay=$2 corpus=$3
shift 3
report="$(dirname "$0")/../../ci/fuzz-crash-report.sh"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/work"

"$target" "$@" -max_total_time=60 -artifact_prefix="$scratch/" "$scratch/work" "$corpus" \
  >"$scratch/fuzz.log" 2>&1 || true
crash=$(find "$scratch" -maxdepth 1 -name 'crash-*' | head -1)
[ -n "$crash" ] || { echo "FAIL: the planted defect was not found in 60 s" >&2; tail -20 "$scratch/fuzz.log" >&2; exit 1; }

"$report" -s "$scratch/summary.md" -t 20 "$target" "$replay" "$crash"
minimized=$(find "$scratch" -maxdepth 1 -name 'minimized-crash-*' ! -name '*.txt' | head -1)
[ -n "$minimized" ] || minimized=$crash
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(wc -c <"$minimized")" -le "$(wc -c <"$crash")" ] || fail "the reproducer grew"
grep -q . "$minimized.program.txt" || fail "no operation program in $minimized.program.txt"
grep -qxF "build/fuzz/fuzz/$(basename "$target") $(basename "$minimized")" "$minimized.reproduce.txt" ||
  fail "reproduce line: $(cat "$minimized.reproduce.txt")"
"$target" "$minimized" >/dev/null 2>&1 && fail "the reproducer does not fail the target"
grep -qF "#### $(basename "$target"): new failure \`$(basename "$minimized")\`" "$scratch/summary.md" ||
  fail "summary: $(cat "$scratch/summary.md")"
echo "fuzz-crash-report: $(basename "$crash") ($(wc -c <"$crash") bytes) reported as $(basename "$minimized") ($(wc -c <"$minimized") bytes)"
