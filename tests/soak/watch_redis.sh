#!/usr/bin/env bash
# `memsoak watch` over a real redis-server, driven by redis-benchmark on loopback, its work
# axis the server's own total_commands_processed (read with redis-cli each sample).
#   watch_redis.sh MEMSOAK OUT_DIR bounded|leak DROP_FREES_LIBRARY
# Both: SETs and GETs of 64-byte values over 1000 keys, under jemalloc and memsoak's agent.
# bounded: memory levels off, the watch passes (exit 0).
# leak:    the same server with a planted leak (tests/drop_frees.cpp, preloaded: one free in
#          20 is dropped), memory grows per command, the watch proves a leak and stops the
#          server (exit 1).
set -euo pipefail
memsoak=$1 out=$2 shape=$3 drop_frees=$4

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "SKIP: redis-server and redis-tools are not installed (ci/install-deps.sh installs them)"
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

case $shape in
  bounded) expect=0 verdict=bounded args=(--duration 20s) ;;
  leak) expect=1 verdict=leak args=(--duration 60s --warmup 3s --preload "$drop_frees") ;;
  *) echo "watch_redis.sh: unknown shape $shape" >&2; exit 2 ;;
esac

# The load starts once the server answers and stops when the server is gone.
(
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  while redis-cli -p "$port" ping >/dev/null 2>&1; do
    redis-benchmark -p "$port" -t set,get -r 1000 -d 64 -c 2 -n 200000 -q >/dev/null 2>&1 || true
  done
) &
load=$!
trap 'kill $load 2>/dev/null || true' EXIT

set +e
MEMSOAK_DROP_FREE_EVERY=20 "$memsoak" watch --allocator jemalloc --out "$out/watch" --sample-interval 250ms "${args[@]}" \
  --work "commands=cmd:redis-cli -p $port info stats | grep total_commands_processed" \
  -- redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --logfile "$out/redis.log"
code=$?
set -e
wait $load 2>/dev/null || true

got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$out/watch/verdict.json")
if [ "$code" -ne "$expect" ] || [ "$got" != "$verdict" ]; then
  echo "watch_redis.sh: memsoak watch exited $code with verdict $got; expected $expect and $verdict" >&2
  exit 1
fi
echo "redis-server under memsoak watch: verdict $got, exit $code, as expected"
