#!/usr/bin/env bash
# Fan-out benchmark: starts one node (embedded H2 store, fresh data dir) on BENCH_PORT, then runs
# dev.agentbus.bench.FanoutBench against it: a /health/live baseline; BENCH_SUBSCRIBERS (500) WebSocket
# subscribers of one session fed by a publisher at BENCH_RATE (50) events/s for BENCH_SECONDS (20) after
# 5 s of warm-up: deliveries made / expected, publish-to-delivery p50/p99, the node's CPU per delivery
# (from /proc/<pid>/stat); then BENCH_IDLE (5000) idle WebSocket subscribers and the node's heap per
# subscriber (jcmd GC.run + GC.heap_info before and after). Loopback only, every wait bounded.
# BENCH_NODE_JAR runs another build's node (e.g. a worktree of an older commit) under the same load
# generator, for before/after comparisons. FanoutBench is a test class: it runs on the jar + target/test-classes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_bench_if_needed
if [[ ! -f "$AB_ROOT/target/test-classes/dev/agentbus/bench/FanoutBench.class" ]]; then
  (cd "$AB_ROOT" && sh ./mvnw -q -B test-compile)
fi

port="${BENCH_PORT:-18082}"
data="$(mktemp -d)"
trap 'kill "${AB_NODE_PID:-}" 2>/dev/null || true; wait "${AB_NODE_PID:-}" 2>/dev/null || true; rm -rf "$data"' EXIT
ab_start_bench_node "$port" "$data"
echo "# $(date -u +%FT%TZ) $(nproc) cores, node ${BENCH_NODE_JAR:-$AB_JAR} (pid $AB_NODE_PID), store: embedded ${STORE_BACKEND:-h2}, load generator on the same machine"
"$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.FanoutBench "http://127.0.0.1:$port" "$AB_NODE_PID" \
  "${BENCH_SUBSCRIBERS:-500}" "${BENCH_RATE:-50}" "${BENCH_SECONDS:-20}" "${BENCH_IDLE:-5000}"
