#!/usr/bin/env bash
# Streaming benchmark: starts one node (embedded H2 store, fresh data dir) on BENCH_PORT, then runs
# dev.agentbus.bench.StreamBench against it: time to first token and token throughput of the dummy
# engine streamed over SSE (POST /chat/{id}/stream) with 1 and 200 concurrent streams, at full speed
# (token_delay_ms 0) and paced like a model (10 ms per token), with its baselines from the same run.
# Bounded: BENCH_STREAMS (default "1,200"), BENCH_WORDS tokens per answer (default 100), loopback only.
# StreamBench is a test class (src/test/java), not in the jar: it runs on the jar + target/test-classes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_bench_if_needed

port="${BENCH_PORT:-18081}"
data="$(mktemp -d)"
trap 'kill "${AB_NODE_PID:-}" 2>/dev/null || true; wait "${AB_NODE_PID:-}" 2>/dev/null || true; rm -rf "$data"' EXIT
ab_start_bench_node "$port" "$data"
echo "# $(date -u +%FT%TZ) $(nproc) cores, store: embedded ${STORE_BACKEND:-h2}, load generator on the same machine"
"$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.StreamBench "http://127.0.0.1:$port" "${BENCH_STREAMS:-1,200}" \
  "${BENCH_WORDS:-100}" "${BENCH_DELAYS:-0,10}"
