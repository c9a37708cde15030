#!/usr/bin/env bash
# Aggregates the cells of a nightly soak (the directories ci/nightly-cell.sh writes, as the
# workflow downloads them: DIR/<any>/cell.json with run/verdict.json beside it; a bare run
# directory's verdict.json counts too) into a Markdown table on standard output (scenario,
# allocator, verdict, expected verdict, match, reproduce command) and a JUnit XML file (one
# testcase per cell; a <failure> with the explanation and the reproduce command when the
# verdict is not the expected one). With -m, every cell of the workflow's matrix JSON that left
# no result is reported as a failure too.
#
# Usage: ci/nightly-summary.sh [-j JUNIT_FILE] [-m MATRIX_JSON_FILE] DIR
#        (JUNIT_FILE defaults to DIR/junit.xml)
# Exits 0 when every cell reached its expected verdict, 1 when any differs, left no verdict,
# or no cell was found, 2 on bad usage.
set -euo pipefail

usage() { sed -n '10,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
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
[ -d "$dir" ] || { echo "nightly-summary: no directory $dir" >&2; exit 2; }
[ -z "$matrix" ] || [ -f "$matrix" ] || { echo "nightly-summary: no matrix file $matrix" >&2; exit 2; }
command -v jq >/dev/null || { echo "nightly-summary: needs jq" >&2; exit 2; }
junit=${junit:-$dir/junit.xml}

# One JSON object per cell: {cell, verdict} (either may be null), read in a stable order.
cells=()
while IFS= read -r -d '' file; do
  cell_dir=$(dirname "$file")
  verdict=$cell_dir/run/verdict.json
  [ -f "$verdict" ] || verdict=/dev/null
  cells+=("$(jq -c -n --slurpfile c "$file" --slurpfile v "$verdict" \
               '{cell: $c[0], verdict: ($v[0] // null)}')")
done < <(find "$dir" -name cell.json -print0 | sort -z)
while IFS= read -r -d '' file; do
  # A verdict.json in a cell directory's run/ is already counted.
  [ -f "$(dirname "$(dirname "$file")")/cell.json" ] && continue
  cells+=("$(jq -c '{cell: null, verdict: .}' "$file")")
done < <(find "$dir" -name verdict.json -print0 | sort -z)
matrix_json=$( [ -n "$matrix" ] && cat "$matrix" || echo null)

# Rows: what the table and the JUnit file say about each cell.
rows=$(printf '%s\n' "${cells[@]}" | jq -s -c --argjson matrix "$matrix_json" '
  map(. as {cell: $c, verdict: $v}
      | {scenario: ($v.run.scenario // $c.scenario), allocator: ($v.run.allocator // $c.allocator),
         verdict: ($v.verdict // "none"),
         expected: (if $v == null then null else $v.run.expected_verdict end),
         reproduce: ($v.run.command // $c.command // ""),
         time: ($v.run.elapsed_s // 0),
         explanation: (if $v != null then $v.explanation
                       elif $c.memsoak_exit == null then
                         "no verdict.json: the cell was stopped before memsoak ended (job timeout or cancellation)"
                       else "no verdict.json: memsoak exited \($c.memsoak_exit)" end),
         failed_run: (if $v == null then null else $v.fail end)}
      | .match = (if .verdict == "none" then false
                  elif .expected == null then (.failed_run == false)
                  else .verdict == .expected end))
  | . as $found
  | ($matrix.include // []) as $cells
  | $found + [$cells[] | . as $m
               | select([$found[] | select(.scenario == $m.scenario and .allocator == $m.allocator)]
                        | length == 0)
               | {scenario, allocator, verdict: "missing", expected: null, reproduce: "",
                  time: 0, match: false,
                  explanation: "no result: the cell uploaded no artifact (see its job log)"}]
  | sort_by(.scenario, .allocator)')

total=$(jq length <<<"$rows")
differ=$(jq 'map(select(.match | not)) | length' <<<"$rows")

# Markdown: a pipe in a cell would end it; escape it.
jq -r --argjson total "$total" --argjson differ "$differ" '
  def cell: tostring | gsub("\\|"; "\\|") | gsub("\n"; " ");
  def code: if . == "" then "" else "`" + cell + "`" end;
  "### memsoak nightly soak: \($total) cells, \($total - $differ) as expected, \($differ) differ",
  "",
  "| scenario | allocator | verdict | expected | match | reproduce |",
  "|---|---|---|---|---|---|",
  (.[] | "| \(.scenario | cell) | \(.allocator | cell) | \(.verdict | cell) | \(.expected // "-" | cell) | \(if .match then "yes" else "**no**" end) | \(.reproduce | code) |")
' <<<"$rows"

# JUnit XML: text escaped with @html (& < > " and '"'"'), characters XML 1.0 forbids dropped.
mkdir -p "$(dirname "$junit")"
jq -r --argjson total "$total" --argjson differ "$differ" '
  def xml: tostring | explode | map(select(. == 9 or . == 10 or . == 13 or . >= 32)) | implode | @html;
  (map(.time) | add // 0) as $time
  | "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<testsuites name=\"memsoak-nightly\" tests=\"\($total)\" failures=\"\($differ)\" errors=\"0\" time=\"\($time)\">",
    "  <testsuite name=\"memsoak-nightly-soak\" tests=\"\($total)\" failures=\"\($differ)\" errors=\"0\" skipped=\"0\" time=\"\($time)\">",
    (.[] | "    <testcase classname=\"memsoak.soak.\(.scenario | xml)\" name=\"\(.scenario | xml) on \(.allocator | xml)\" time=\"\(.time)\">",
      (if .match then empty else
        "      <failure type=\"unexpected-verdict\" message=\"\("verdict \(.verdict), expected \(.expected // "-")" | xml)\">\(.explanation | xml)\nreproduce: \(.reproduce | xml)</failure>"
      end),
      "      <system-out>\("verdict: \(.verdict)\nexpected: \(.expected // "-")\n\(.explanation)\nreproduce: \(.reproduce)" | xml)</system-out>",
      "    </testcase>"),
    "  </testsuite>",
    "</testsuites>"
' <<<"$rows" >"$junit"

if [ "$total" -eq 0 ]; then
  echo "nightly-summary: no cell found under $dir" >&2
  exit 1
fi
[ "$differ" -eq 0 ] || exit 1
