#!/usr/bin/env bash
# Turns the inputs a fuzz target failed on into what a person needs to act on them: each is
# minimised (libFuzzer -minimize_crash=1, at most MINIMIZE_SECONDS; the original is kept when
# nothing smaller still fails), decoded as its operation program (REPLAY --print) into
# INPUT.program.txt, and given its one-line local reproduce command in INPUT.reproduce.txt;
# both are printed. With -s, a Markdown section per input is appended to SUMMARY_MD (such as
# $GITHUB_STEP_SUMMARY). ci/fuzz.sh runs it on every new failure.
#
# Usage: ci/fuzz-crash-report.sh [-s SUMMARY_MD] [-t MINIMIZE_SECONDS] TARGET REPLAY INPUT...
#        (TARGET: the libFuzzer binary, e.g. build/fuzz/fuzz/fuzz_arena; REPLAY: its
#        replay tool, fuzz_arena_replay; default 60 s)
set -euo pipefail

summary="" minimize_seconds=60
while getopts "s:t:" option; do
  case $option in
    s) summary=$OPTARG ;;
    t) minimize_seconds=$OPTARG ;;
    *) sed -n '9,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 3 ] || { sed -n '9,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
target=$1 replay=$2
shift 2
for program in "$target" "$replay"; do
  [ -x "$program" ] || { echo "fuzz-crash-report: no program $program" >&2; exit 2; }
done
name=$(basename "$target")

for input in "$@"; do
  [ -f "$input" ] || { echo "fuzz-crash-report: no input $input" >&2; exit 2; }
  minimized=$(dirname "$input")/minimized-$(basename "$input")
  "$target" -minimize_crash=1 -max_total_time="$minimize_seconds" \
    -exact_artifact_path="$minimized" "$input" >"$input.minimize.log" 2>&1 || true
  if [ -s "$minimized" ] && [ "$(wc -c <"$minimized")" -lt "$(wc -c <"$input")" ]; then
    echo "$name: $(basename "$input") minimised from $(wc -c <"$input") to $(wc -c <"$minimized") bytes"
  else
    rm -f "$minimized"
    minimized=$input
  fi
  reproduce="build/fuzz/fuzz/$name $(basename "$minimized")"
  echo "$reproduce" >"$minimized.reproduce.txt"
  "$replay" --print "$minimized" >"$minimized.program.txt" 2>&1 || true
  echo "--- reproduce (fuzz preset build; the file from this run's artifacts): $reproduce"
  echo "    or without libFuzzer: build/fuzz/fuzz/$(basename "$replay") $(basename "$minimized")"
  head -40 "$minimized.program.txt"
  if [ -n "$summary" ]; then
    {
      echo "#### $name: new failure \`$(basename "$minimized")\`"
      echo
      echo "Reproduce after \`cmake --preset fuzz && cmake --build --preset fuzz\`, with the file from the artifacts:"
      echo
      echo '```sh'
      echo "$reproduce"
      echo '```'
      echo
      echo "<details><summary>the input as its operation program</summary>"
      echo
      echo '```'
      head -60 "$minimized.program.txt"
      echo '```'
      echo "</details>"
      echo
    } >>"$summary"
  fi
done
