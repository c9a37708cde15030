#!/usr/bin/env bash
# shellcheck disable=SC2016  # the expected rows hold literal backquotes
# Tests ci/nightly-summary.sh on the committed fixtures under tests/ci/nightly/ (cells shaped
# as ci/nightly-cell.sh leaves them, their verdict.json derived from a real `memsoak run`):
#   pass/  two cells at their expected verdicts (one an expected leak)     -> exit 0
#   fail/  an expected one, a wrong verdict with XML-hostile text, a cell
#          killed before its verdict; fail-matrix.json adds a missing cell -> exit 1
# It checks the table rows, the exit codes, and that the JUnit file parses (xmllint, else
# python3) with the right testcase and failure counts and the escaped text intact.
#
# Usage: ci/test-nightly-summary.sh   (exits 0 when every check passes, 1 otherwise;
#        NO_XMLLINT=1 uses the python3 parser even where xmllint is installed; MEMSOAK names
#        the memsoak binary, as for ci/nightly-summary.sh; CTest runs it as merge_nightly_cells)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 0 ] || { echo "usage: ci/test-nightly-summary.sh" >&2; exit 2; }

fixtures=tests/ci/nightly
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0 failed=0
check() {   # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what" >&2; fi
}
has_line() { grep -qxF -- "$2" "$1" || { echo "  no line: $2" >&2; echo "  in:" >&2; cat "$1" >&2; false; }; }
exit_is() { [ "$1" -eq "$2" ] || { echo "  exit $1, expected $2" >&2; false; }; }

# The XML parses; prints "TESTS FAILURES" of its testsuite, then each failure's text.
junit_facts() {
  if command -v xmllint >/dev/null && [ -z "${NO_XMLLINT:-}" ]; then
    xmllint --noout "$1" || return 1
    printf '%s %s\n' "$(xmllint --xpath 'count(//testsuite/testcase)' "$1")" \
                     "$(xmllint --xpath 'count(//testsuite/testcase/failure)' "$1")"
    { xmllint --xpath '//failure/text()' "$1" 2>/dev/null || true; } | sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/'"'"'/g; s/&amp;/\&/g'
  else
    python3 -c '
import sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
cases = d.getElementsByTagName("testcase"); failures = d.getElementsByTagName("failure")
print(len(cases), len(failures))
for f in failures: print("".join(n.data for n in f.childNodes))' "$1"
  fi
}

# pass/: every cell as expected.
status=0
ci/nightly-summary.sh -j "$scratch/pass.xml" "$fixtures/pass" >"$scratch/pass.md" || status=$?
check "pass: exit 0" exit_is "$status" 0
check "pass: headline" has_line "$scratch/pass.md" \
  "### memsoak merge: 2 runs, 2 passed, 0 failed"
check "pass: healthy row" has_line "$scratch/pass.md" \
  '| healthy | system | bounded | bounded | pass | `build/release/memsoak run --scenario healthy --allocator system --seed 1 --duration 30m` |'
check "pass: an expected leak is a match" has_line "$scratch/pass.md" \
  '| shared-arena | jemalloc | leak | leak | pass | `build/release/memsoak run --scenario shared-arena --allocator jemalloc --seed 1 --duration 30m` |'
junit_facts "$scratch/pass.xml" >"$scratch/pass.facts" || true
check "pass: JUnit parses, 2 testcases, 0 failures" has_line "$scratch/pass.facts" "2 0"

# fail/ with the matrix: a mismatch, a killed cell, a missing cell.
status=0
ci/nightly-summary.sh -m "$fixtures/fail-matrix.json" -j "$scratch/fail.xml" "$fixtures/fail" \
  >"$scratch/fail.md" || status=$?
check "fail: exit 1" exit_is "$status" 1
check "fail: headline" has_line "$scratch/fail.md" \
  "### memsoak merge: 4 runs, 1 passed, 3 failed"
check "fail: wrong verdict row" has_line "$scratch/fail.md" \
  '| arena-no-drop | mimalloc | bounded | leak | **fail** | `build/release/memsoak run --scenario arena-no-drop --allocator mimalloc --seed 1 --duration 30m` |'
check "fail: killed cell row" has_line "$scratch/fail.md" \
  '| reset-reuse | tcmalloc | none | - | **fail** | `build/release/memsoak run --scenario reset-reuse --allocator tcmalloc --seed 1 --duration 30m` |'
check "fail: missing cell row" has_line "$scratch/fail.md" \
  '| thread-churn | system | missing | - | **fail** |  |'
check "fail: expected cell row" has_line "$scratch/fail.md" \
  '| healthy | system | bounded | bounded | pass | `build/release/memsoak run --scenario healthy --allocator system --seed 1 --duration 30m` |'
junit_facts "$scratch/fail.xml" >"$scratch/fail.facts" || true
check "fail: JUnit parses, 4 testcases, 3 failures" has_line "$scratch/fail.facts" "4 3"
# The explanation holds < & > " ' | and a control character (dropped): it must come back whole.
check "fail: escaped explanation survives" has_line "$scratch/fail.facts" \
  "Memory is bounded: rss_bytes <&> \"quoted\" 'single' | piped after the warm-up."
check "fail: failure names the reproduce command" has_line "$scratch/fail.facts" \
  "reproduce: build/release/memsoak run --scenario arena-no-drop --allocator mimalloc --seed 1 --duration 30m"

# Usage errors and an empty directory.
status=0; ci/nightly-summary.sh 2>/dev/null || status=$?
check "no DIR: exit 2" exit_is "$status" 2
status=0; ci/nightly-summary.sh "$scratch/nowhere" 2>/dev/null || status=$?
check "missing DIR: exit 2" exit_is "$status" 2
mkdir "$scratch/empty"
status=0; ci/nightly-summary.sh -j "$scratch/empty.xml" "$scratch/empty" >/dev/null 2>&1 || status=$?
check "no cells: exit 2" exit_is "$status" 2

echo "test-nightly-summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
