#!/usr/bin/env bash
# Store round trips counted on the wire: runs the embedded store on its own (`--store-only`, H2 in a
# fresh directory), dev.agentbus.bench.StoreWire (a counting TCP proxy) in front of it, and one node
# whose MONGODB_URI points at the proxy; then LoadBench one client at a time and with
# BENCH_CONCURRENCY (32) clients, each workload reporting the store requests (driver monitoring
# excluded) per HTTP request. Bounded: BENCH_SECONDS per workload (default 5), loopback only.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_bench_if_needed

seconds="${BENCH_SECONDS:-5}"
concurrency="${BENCH_CONCURRENCY:-32}"
port="${BENCH_PORT:-18090}"
store_port=$((port + 1)); wire_port=$((port + 2)); counts_port=$((port + 3))
data="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT

STORE_PORT="$store_port" DATA_DIR="$data/store" AGENTBUS_CONFIG=/nonexistent LOG_LEVEL=WARN \
  "$AB_JAVA" "${AB_JVM_FLAGS[@]}" -jar "$AB_JAR" --store-only >"$data/store.log" 2>&1 &
pids+=($!)
"$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.StoreWire "$wire_port" "$store_port" "$counts_port" >"$data/wire.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$counts_port/counts" >/dev/null 2>&1 && break; sleep 0.5; done
HTTP_PORT="$port" MONGODB_URI="mongodb://127.0.0.1:$wire_port" AGENTBUS_CONFIG=/nonexistent LOG_LEVEL=WARN \
  "$AB_JAVA" "${AB_JVM_FLAGS[@]}" -jar "${BENCH_NODE_JAR:-$AB_JAR}" >"$data/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/api/v1/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/api/v1/health/ready" >/dev/null || { echo "node not ready"; tail -20 "$data/node.log"; exit 1; }

echo "# $(date -u +%FT%TZ) $(nproc) cores, ${seconds}s per workload, store: embedded H2 behind a counting proxy"
for clients in 1 "$concurrency"; do
  echo "# $clients client(s)"
  "$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.LoadBench "http://127.0.0.1:$port" "$seconds" "$clients" \
    "http://127.0.0.1:$counts_port/counts"
done
