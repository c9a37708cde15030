#!/usr/bin/env bash
# Runs .clusterfuzzlite/build.sh as ClusterFuzzLite's build_fuzzers action does, in OSS-Fuzz's
# base-builder environment for a libFuzzer + ASan build (with this machine's clang-14 instead of
# the image's clang), then checks every binary in $OUT as OSS-Fuzz's bad-build check does:
#   - it runs: -runs=4 from an empty input exits 0 ("Done 4 runs");
#   - it is instrumented: coverage (nm: a __sancov_cntrs or __sancov_guards section, and
#     libFuzzer reports at least 100 edges), ASan (nm: __asan_ symbols; at least 1000 calls to
#     __asan_*), and no UBSan on top (at most 200 calls to __ubsan_*);
#   - its seed corpus zip opens (python3 -m zipfile -t), is not empty, and every seed in it
#     runs clean (-runs=0, as ClusterFuzzLite starts); its .dict and .options are there.
# One line per check; exit 1 when any failed, 2 on bad usage or a failed build.
#
# Usage: ci/clusterfuzzlite-check.sh [WORK]
#   WORK (default build/fuzz/clusterfuzzlite-work, which the CTest fuzz_clusterfuzzlite_build
#   passes too) keeps the build tree ($WORK/build) and $SRC ($WORK/src/memsoak, a link to this
#   checkout), so a rerun is incremental. $OUT is a temporary directory, kept when a check fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -le 1 ] || { echo "usage: $0 [WORK]" >&2; exit 2; }
work=$(realpath -m "${1:-$root/build/fuzz/clusterfuzzlite-work}")

# base-builder's variables (infra/base-images/base-clang and base-builder) after OSS-Fuzz's
# `compile` added the address sanitizer and libFuzzer's coverage flags.
export CC=clang-14 CXX=clang++-14
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS -stdlib=libc++"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c++
export WORK=$work SRC=$work/src
OUT=$(mktemp -d "${TMPDIR:-/tmp}/clusterfuzzlite-out.XXXXXX")
export OUT
# base-runner's: what the fuzzers run with under ClusterFuzzLite.
export ASAN_OPTIONS="alloc_dealloc_mismatch=0:allocator_may_return_null=1:allocator_release_to_os_interval_ms=500:check_malloc_usable_size=0:detect_container_overflow=1:detect_odr_violation=0:detect_leaks=1:detect_stack_use_after_return=1:fast_unwind_on_fatal=0:handle_abort=1:handle_segv=1:handle_sigill=1:max_uar_stack_size_log=16:print_scariness=1:quarantine_size_mb=10:strict_memcmp=1:symbolize=1:use_sigaltstack=1:dedup_token_length=3"
export UBSAN_OPTIONS="print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:symbolize=1:dedup_token_length=3"

mkdir -p "$SRC"
ln -sfn "$root" "$SRC/memsoak"
echo "clusterfuzzlite-check: build.sh with SRC=$SRC WORK=$WORK OUT=$OUT"
start=$SECONDS
# Not from $SRC/memsoak as OSS-Fuzz does: CMake would see every path under this checkout through
# the link, the build tree too, which is inside it (build.sh does not depend on its directory).
if ! (cd "$WORK" && bash -eu "$root/.clusterfuzzlite/build.sh"); then
  echo "clusterfuzzlite-check: FAIL: .clusterfuzzlite/build.sh failed (output above)" >&2
  rm -rf "$OUT"
  exit 2
fi
echo "clusterfuzzlite-check: build.sh took $((SECONDS - start)) s"

failures=0
pass() { echo "clusterfuzzlite-check: $1: ok: $2"; }
fail() { echo "clusterfuzzlite-check: $1: FAIL: $2"; failures=$((failures + 1)); }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
binaries=()
for file in "$OUT"/*; do
  [ -f "$file" ] && [ -x "$file" ] && binaries+=("$file")
done
[ ${#binaries[@]} -gt 0 ] || fail "\$OUT" "no fuzz binary in $OUT"

for binary in "${binaries[@]}"; do
  fuzzer=$(basename "$binary")
  log=$scratch/$fuzzer.log

  # Startup: libFuzzer from an empty input (no corpus), in a scratch directory for any artifact.
  status=0
  (cd "$scratch" && "$binary" -seed=1337 -runs=4) >"$log" 2>&1 || status=$?
  if [ "$status" -eq 0 ] && grep -q "Done 4 runs" "$log"; then
    pass "$fuzzer" "-runs=4 from an empty input: exit 0"
  else
    fail "$fuzzer" "-runs=4 from an empty input: exit $status; its output:"
    sed 's/^/    /' "$log"
  fi
  edges=$(sed -n 's/^INFO: Loaded [0-9]* modules* *(.*\(counters\|guards\)): *\([0-9]*\) .*/\2/p' "$log" |
            head -n 1)
  if [ "${edges:-0}" -ge 100 ]; then
    pass "$fuzzer" "libFuzzer sees $edges edges"
  else
    fail "$fuzzer" "libFuzzer sees ${edges:-no} edges (OSS-Fuzz wants 100): partial or no coverage instrumentation"
  fi

  symbols=$(nm "$binary")
  # The sections of inline 8-bit counters (-fsanitize=fuzzer-no-link) or trace-pc-guard: only
  # instrumented code makes them (libFuzzer defines __sanitizer_cov_trace_pc_guard regardless).
  if grep -Eq ' __start___sancov_(cntrs|guards)$' <<<"$symbols"; then
    pass "$fuzzer" "coverage instrumentation (nm: __sancov_cntrs or __sancov_guards section)"
  else
    fail "$fuzzer" "no coverage instrumentation (nm: no __sancov_cntrs nor __sancov_guards section)"
  fi
  if grep -q ' __asan_report_load' <<<"$symbols"; then
    pass "$fuzzer" "ASan runtime (nm: __asan_ symbols)"
  else
    fail "$fuzzer" "no ASan runtime (nm: no __asan_ symbols)"
  fi
  # As OSS-Fuzz's check_mixed_sanitizers counts them.
  calls=$(objdump -d --no-show-raw-insn "$binary" | grep -Eo 'call +[0-9a-f]+ <__(asan|ubsan)' |
            sed 's/.*<//' | sort | uniq -c)
  asan_calls=$(awk '$2 == "__asan" {print $1}' <<<"$calls")
  ubsan_calls=$(awk '$2 == "__ubsan" {print $1}' <<<"$calls")
  if [ "${asan_calls:-0}" -ge 1000 ] && [ "${ubsan_calls:-0}" -le 200 ]; then
    pass "$fuzzer" "ASan instrumentation: ${asan_calls:-0} calls to __asan_*, ${ubsan_calls:-0} to __ubsan_*"
  else
    fail "$fuzzer" "ASan build wants >= 1000 calls to __asan_* and <= 200 to __ubsan_*: ${asan_calls:-0} and ${ubsan_calls:-0}"
  fi

  zip=$OUT/${fuzzer}_seed_corpus.zip
  if [ ! -f "$zip" ]; then
    fail "$fuzzer" "no seed corpus ${fuzzer}_seed_corpus.zip"
  elif ! tested=$(python3 -m zipfile -t "$zip" 2>&1) || grep -q corrupted <<<"$tested"; then
    fail "$fuzzer" "${fuzzer}_seed_corpus.zip does not open: $tested"
  else
    entries=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$zip")
    if [ "$entries" -gt 0 ]; then
      pass "$fuzzer" "${fuzzer}_seed_corpus.zip opens: $entries inputs"
    else
      fail "$fuzzer" "${fuzzer}_seed_corpus.zip is empty"
    fi
    # What ClusterFuzzLite runs first (OSS-Fuzz's check_seed_corpus, off there for now): every
    # seed once, with the libFuzzer flags of $fuzzer.options, as run_fuzzer adds them.
    seeds=$scratch/$fuzzer-seeds
    python3 -m zipfile -e "$zip" "$seeds"
    mapfile -t flags < <(sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "$OUT/$fuzzer.options" 2>/dev/null)
    status=0
    (cd "$scratch" && "$binary" -rss_limit_mb=2560 -timeout=25 "${flags[@]}" -runs=0 "$seeds") \
      >"$log" 2>&1 || status=$?
    if [ "$status" -eq 0 ]; then
      pass "$fuzzer" "every seed runs clean (-runs=0 ${flags[*]})"
    else
      fail "$fuzzer" "a seed fails (-runs=0 ${flags[*]}): exit $status; its output:"
      sed 's/^/    /' "$log"
    fi
  fi
  for extension in dict options; do
    if [ -s "$OUT/$fuzzer.$extension" ]; then
      pass "$fuzzer" "$fuzzer.$extension present"
    else
      fail "$fuzzer" "$fuzzer.$extension missing or empty"
    fi
  done
done

if [ "$failures" -gt 0 ]; then
  echo "clusterfuzzlite-check: FAILED: $failures checks failed; \$OUT kept in $OUT" >&2
  exit 1
fi
rm -rf "$OUT"
echo "clusterfuzzlite-check: passed: ${#binaries[@]} fuzz targets, every check ok"
