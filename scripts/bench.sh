#!/usr/bin/env bash
# Throughput benchmark: starts one node (embedded H2 store, fresh data dir) on BENCH_PORT, then
# runs dev.agentbus.bench.LoadBench against it: a baseline (GET /health/live) and the workloads
# (events into one session; echo commands submitted and completed), all in the same run, and
# prints one JSON line per workload with its ratio to the baseline. Bounded: BENCH_SECONDS per
# workload (default 10), BENCH_CONCURRENCY clients (default 32), loopback only.
# LoadBench is a test class (src/test/java), not in the jar: it runs on the jar + target/test-classes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_bench_if_needed

port="${BENCH_PORT:-18080}"
seconds="${BENCH_SECONDS:-10}"
concurrency="${BENCH_CONCURRENCY:-32}"
data="$(mktemp -d)"
trap 'kill "${AB_NODE_PID:-}" 2>/dev/null || true; wait "${AB_NODE_PID:-}" 2>/dev/null || true; rm -rf "$data"' EXIT
ab_start_bench_node "$port" "$data"
echo "# $(date -u +%FT%TZ) $(nproc) cores, ${seconds}s per workload, concurrency $concurrency, store: embedded ${STORE_BACKEND:-h2}"
"$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.LoadBench "http://127.0.0.1:$port" "$seconds" "$concurrency"
