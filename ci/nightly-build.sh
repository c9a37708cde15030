#!/usr/bin/env bash
# Builds memsoak with the release preset and packs what `memsoak run` needs (the binary and
# the counting library it preloads under `system`, libmemsoak_counted_glibc.so, from beside
# it) into a tarball, for the nightly workflow's matrix cells to unpack into build/release/.
# A tarball, not loose files: artifacts do not keep the executable bit.
#
# Usage: ci/nightly-build.sh TARBALL   e.g. ci/nightly-build.sh out/memsoak-release.tar.gz
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: ci/nightly-build.sh TARBALL" >&2; exit 2; }
tarball=$(realpath -m "$1")
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release --target memsoak
files=(memsoak)
[ -f build/release/libmemsoak_counted_glibc.so ] && files+=(libmemsoak_counted_glibc.so)
mkdir -p "$(dirname "$tarball")"
tar -C build/release -czf "$tarball" "${files[@]}"
echo "nightly-build: $tarball holds ${files[*]}"
