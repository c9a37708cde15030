#!/usr/bin/env bash
# A real Prometheus server scrapes `memsoak run --metrics` every second on loopback; once the run
# has ended, its HTTP API must hold the run's series: RSS, the allocator's live bytes, the work
# counters rising, the verdict.
#   metrics_prometheus.sh MEMSOAK OUT_DIR
set -euo pipefail
memsoak=$1 out=$2

if ! command -v prometheus >/dev/null; then
  echo "SKIP: the prometheus server is not installed (ci/install-deps.sh installs it)"
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
metrics_port=$(free_port)
prometheus_port=$(free_port)
api=http://127.0.0.1:$prometheus_port/api/v1

cat >"$out/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: memsoak
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
EOF
prometheus --config.file="$out/prometheus.yml" --storage.tsdb.path="$out/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" >"$out/prometheus.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$prometheus_port/-/ready" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$out/prometheus.log" >&2; exit 1; }
  sleep 0.1
done

set +e
"$memsoak" run --scenario healthy --duration 15s --window-docs 2000 --sample-interval 50ms \
  --metrics "$metrics_port" --out "$out/run"
code=$?
set -e
if [ "$code" -ne 0 ]; then
  echo "metrics_prometheus.sh: memsoak run exited $code; expected 0" >&2
  exit 1
fi

# Instant queries over the last minute: the run is over and its series are stale by now.
query() {
  curl -sf --get "$api/query" --data-urlencode "query=$1" |
    jq -r '.data.result[0].value[1] // "none"'
}
failed=0
expect() {  # expect DESCRIPTION PROMQL JQ-CONDITION-ON-$value
  local value
  value=$(query "$2")
  if [ "$value" != none ] && jq -en --argjson value "$value" "$3" >/dev/null; then
    echo "  ok: $1 ($2 = $value)"
  else
    echo "  FAILED: $1 ($2 = $value, wanted $3)" >&2
    failed=1
  fi
}
expect "Prometheus scraped the run every second" \
  'count_over_time(process_resident_memory_bytes{job="memsoak"}[1m])' '$value >= 5'
expect "the RSS it saw is a process's" \
  'max_over_time(process_resident_memory_bytes{job="memsoak"}[1m])' '$value > 1e6'
expect "the allocator's live bytes are labelled with the allocator" \
  'max_over_time(memsoak_allocator_live_bytes{job="memsoak",allocator="system"}[1m])' '$value > 1e5'
expect "the queries counter rose while it watched" \
  'increase(memsoak_work_total{job="memsoak",counter="queries"}[1m])' '$value > 0'
expect "the run said which soak it is" \
  'max_over_time(memsoak_run_info{job="memsoak",scenario="healthy",allocator="system"}[1m])' \
  '$value == 1'
expect "no scrape saw a failing verdict" \
  'max_over_time(memsoak_failing{job="memsoak"}[1m])' '$value == 0'
[ "$failed" -eq 0 ] || { echo "metrics_prometheus.sh: see $out/prometheus.log" >&2; exit 1; }
echo "Prometheus $(prometheus --version 2>&1 | head -1 | cut -d' ' -f3) scraped memsoak run --metrics as expected"
