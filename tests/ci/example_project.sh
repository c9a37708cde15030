#!/usr/bin/env bash
# The example project (examples/arena_soak) as a user builds it: memsoak installed to a
# temporary prefix from BUILD_DIR, the example configured with find_package(memsoak) against
# it, built and tested (its soak tests, and its fuzz target replaying its seeds); its disabled
# demonstration test must fail naming the leak and the command that runs it again; the fuzz
# target prints an input as its program, and built with clang it fuzzes under libFuzzer.
#   tests/ci/example_project.sh BUILD_DIR
set -euo pipefail
build_dir=$(realpath "${1:?usage: tests/ci/example_project.sh BUILD_DIR}")
source_dir=$(realpath "$(dirname "$0")/../..")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
cmake -S "$source_dir/examples/arena_soak" -B "$scratch/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/build"
ctest --test-dir "$scratch/build" --output-on-failure

if "$scratch/build/arena_soak_test" --gtest_also_run_disabled_tests \
  --gtest_filter='*ShowsHowALeakFailsATest' >"$scratch/demo.log" 2>&1; then
  echo "example_project: the planted leak passed its soak" >&2
  exit 1
fi
for expected in "memsoak: leak after" "KiB/request" "reproduce: MEMSOAK_SOAK_SCALE=1"; do
  if ! grep -q "$expected" "$scratch/demo.log"; then
    echo "example_project: the failing soak does not say '$expected':" >&2
    cat "$scratch/demo.log" >&2
    exit 1
  fi
done
"$scratch/build/toy_arena_fuzz_replay" --print \
  "$source_dir/examples/arena_soak/fuzz_seeds/blocks_across_chunks.ops" >"$scratch/program.txt"
if ! grep -q "allocate slot=2 size=100000 align=16" "$scratch/program.txt"; then
  echo "example_project: --print did not print the seed's program:" >&2
  cat "$scratch/program.txt" >&2
  exit 1
fi
cmake -S "$source_dir/examples/arena_soak" -B "$scratch/clang" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/clang" --target toy_arena_fuzz
mkdir "$scratch/corpus"
"$scratch/clang/toy_arena_fuzz" -runs=20000 -seed=1 "$scratch/corpus" 2>"$scratch/fuzz.log" || {
  cat "$scratch/fuzz.log" >&2
  exit 1
}
"$scratch/prefix/bin/memsoak" list >/dev/null
echo "example_project: built against the installed memsoak; the planted leak was caught; fuzzed"
