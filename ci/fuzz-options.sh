#!/usr/bin/env bash
# The libFuzzer flags of a target as ci/fuzz.sh runs it: corpora/<target>/<target>.options
# ("key = value" lines under [libfuzzer]) as -key=value, and its dictionary, one per line.
# Usage: ci/fuzz-options.sh TARGET   (from the repository root)
set -euo pipefail
dir=corpora/$1
[ -f "$dir/$1.options" ] && sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "$dir/$1.options"
[ -f "$dir/$1.dict" ] && echo "-dict=$dir/$1.dict"
exit 0
