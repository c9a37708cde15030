#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of memsoak's libFuzzer targets (fuzz/): the build_fuzzers
# action runs it in the image of .clusterfuzzlite/Dockerfile, ci/clusterfuzzlite-check.sh runs it
# here. It takes base-builder's environment: $CC $CXX; $CFLAGS $CXXFLAGS, which carry the
# sanitizer and -fsanitize=fuzzer-no-link (the project adds no flags of its own:
# MEMSOAK_SANITIZE is empty); $LIB_FUZZING_ENGINE, which the fuzz binaries link instead of the
# project's -fsanitize=fuzzer (MEMSOAK_LIB_FUZZING_ENGINE); $SANITIZER; the checkout in
# $SRC/memsoak, the build tree in $WORK/build. Into $OUT, for each target NAME:
#   fuzz_NAME, fuzz_NAME_seed_corpus.zip (corpora/NAME/{seeds,corpus,regressions}),
#   fuzz_NAME.dict and fuzz_NAME.options (from corpora/NAME/).
# A target whose allocator library is not installed is skipped, with a message.
set -euo pipefail
shopt -s nullglob
src=$SRC/memsoak

# MSan would need every library it runs through (libstdc++, the allocators) built with it.
if [ "$SANITIZER" = memory ]; then
  echo "build.sh: SANITIZER=memory is not supported: the system libraries are not built with MSan" >&2
  exit 1
fi
# The targets link system libraries built against libstdc++ (fmt), and their oracles and known
# bugs are those of libstdc++: not OSS-Fuzz's default libc++.
libstdcxx_flags=${CXXFLAGS//-stdlib=libc++/}

targets=()
for source in "$src"/fuzz/*_fuzzer.cpp; do
  name=$(basename "$source" _fuzzer.cpp)
  case $name in
    jemalloc | mimalloc) library=$name ;;
    tcmalloc) library=tcmalloc_minimal ;;
    *) library= ;;
  esac
  if [ -n "$library" ] &&
     ! echo 'int main(void) { return 0; }' | "$CC" -x c - -o /dev/null "-l$library" 2>/dev/null; then
    echo "build.sh: skipping fuzz_$name: lib$library is not installed"
    continue
  fi
  targets+=("fuzz_$name")
done

cmake -S "$src" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$libstdcxx_flags" \
  -DMEMSOAK_BUILD_FUZZERS=ON -DMEMSOAK_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DMEMSOAK_SANITIZE= -DMEMSOAK_BUILD_BENCH=OFF
# Only the fuzz binaries: not the replay tools, tests or memsoak itself.
cmake --build "$WORK/build" -j "$(nproc)" --target "${targets[@]}"

for fuzzer in "${targets[@]}"; do
  corpora=$src/corpora/${fuzzer#fuzz_}
  cp "$WORK/build/fuzz/$fuzzer" "$OUT/"
  inputs=("$corpora"/seeds/* "$corpora"/corpus/* "$corpora"/regressions/*)
  rm -f "$OUT/${fuzzer}_seed_corpus.zip"
  if [ ${#inputs[@]} -gt 0 ]; then
    python3 -m zipfile -c "$OUT/${fuzzer}_seed_corpus.zip" "${inputs[@]}"
  fi
  for extension in dict options; do
    if [ -f "$corpora/${fuzzer#fuzz_}.$extension" ]; then
      cp "$corpora/${fuzzer#fuzz_}.$extension" "$OUT/$fuzzer.$extension"
    fi
  done
done
echo "build.sh: ${#targets[@]} fuzz targets in $OUT: ${targets[*]}"
