#!/usr/bin/env bash
# Flat-cost benchmark: starts one node (embedded H2 store, fresh data dir, its store on
# BENCH_STORE_PORT so the bench can preload it) on BENCH_PORT, then runs dev.agentbus.bench.FlatBench:
# session create, echo commands (?wait), publish and replay pages on the empty store; then a
# preload of BENCH_EVENTS events (default 200 000) and BENCH_COMMANDS completed commands (default
# 50 000) straight into the store by bulk inserts through the real driver; then the same again.
# Prints each workload's ratio to a /health/live baseline of the same phase, and loaded / empty
# (target >= 0.9). Bounded: BENCH_SECONDS per workload (default 8), BENCH_CONCURRENCY clients
# (default 32), loopback only. The bench classes run on the jar + target/test-classes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_bench_if_needed
[[ -f "$AB_ROOT/target/test-classes/dev/agentbus/bench/FlatBench.class" ]] \
  || (cd "$AB_ROOT" && sh ./mvnw -q -B test-compile)

port="${BENCH_PORT:-18080}"
store_port="${BENCH_STORE_PORT:-18017}"
seconds="${BENCH_SECONDS:-8}"
concurrency="${BENCH_CONCURRENCY:-32}"
events="${BENCH_EVENTS:-200000}"
commands="${BENCH_COMMANDS:-50000}"
data="$(mktemp -d)"
trap 'kill "${AB_NODE_PID:-}" 2>/dev/null || true; wait "${AB_NODE_PID:-}" 2>/dev/null || true; rm -rf "$data"' EXIT
STORE_PORT="$store_port" ab_start_bench_node "$port" "$data"
echo "# $(date -u +%FT%TZ) $(nproc) cores, ${seconds}s per workload, concurrency $concurrency, store: embedded H2, preload: $events events + $commands commands"
"$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.FlatBench "http://127.0.0.1:$port" "mongodb://127.0.0.1:$store_port" \
  "$seconds" "$concurrency" "$events" "$commands"
