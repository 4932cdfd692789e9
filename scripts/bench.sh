#!/usr/bin/env bash
# Throughput benchmark: starts one node (embedded H2 store, fresh data dir) on BENCH_PORT, then
# runs dev.agentbus.bench.LoadBench against it: a baseline (GET /health/live) and the workloads
# (events into one session; echo commands submitted and completed), all in the same run, and
# prints one JSON line per workload with its ratio to the baseline. Bounded: BENCH_SECONDS per
# workload (default 10), BENCH_CONCURRENCY clients (default 32), loopback only.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_if_needed

port="${BENCH_PORT:-18080}"
seconds="${BENCH_SECONDS:-10}"
concurrency="${BENCH_CONCURRENCY:-32}"
data="$(mktemp -d)"
log="$data/node.log"
trap 'kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; rm -rf "$data"' EXIT

HTTP_PORT="$port" DATA_DIR="$data/store" STORE_BACKEND="${STORE_BACKEND:-h2}" AGENTBUS_CONFIG=/nonexistent LOG_LEVEL=WARN \
  "$AB_JAVA" "${AB_JVM_FLAGS[@]}" -jar "$AB_JAR" >"$log" 2>&1 &
node_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/api/v1/health/ready" >/dev/null 2>&1 && break
  kill -0 "$node_pid" 2>/dev/null || { echo "node exited:"; tail -20 "$log"; exit 1; }
  sleep 0.5
done
echo "# $(date -u +%FT%TZ) $(nproc) cores, ${seconds}s per workload, concurrency $concurrency, store: embedded H2"
"$AB_JAVA" -cp "$AB_JAR" dev.agentbus.bench.LoadBench "http://127.0.0.1:$port" "$seconds" "$concurrency"
