#!/usr/bin/env bash
# Streaming benchmark: starts one node (embedded H2 store, fresh data dir) on BENCH_PORT, then runs
# dev.agentbus.bench.StreamBench against it: time to first token and token throughput of the dummy
# engine streamed over SSE (POST /chat/{id}/stream) with 1 and 200 concurrent streams, at full speed
# (token_delay_ms 0) and paced like a model (10 ms per token), with its baselines from the same run.
# Bounded: BENCH_STREAMS (default "1,200"), BENCH_WORDS tokens per answer (default 100), loopback only.
# BENCH_WIRE=1 runs the embedded store on its own behind dev.agentbus.bench.StoreWire (as
# bench-wire.sh does) and reports the store requests per stream and per token.
# StreamBench is a test class (src/test/java), not in the jar: it runs on the jar + target/test-classes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_bench_if_needed

port="${BENCH_PORT:-18081}"
data="$(mktemp -d)"
pids=()
trap 'for pid in "${pids[@]}" "${AB_NODE_PID:-}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$data"' EXIT
counts=()
if [[ "${BENCH_WIRE:-0}" == 1 ]]; then
  store_port=$((port + 1)); wire_port=$((port + 2)); counts_port=$((port + 3))
  STORE_PORT="$store_port" DATA_DIR="$data/store" STORE_BACKEND="${STORE_BACKEND:-h2}" AGENTBUS_CONFIG=/nonexistent LOG_LEVEL=WARN \
    "$AB_JAVA" "${AB_JVM_FLAGS[@]}" -jar "$AB_JAR" --store-only >"$data/store.log" 2>&1 &
  pids+=($!)
  "$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.StoreWire "$wire_port" "$store_port" "$counts_port" >"$data/wire.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$counts_port/counts" >/dev/null 2>&1 && break; sleep 0.5; done
  export MONGODB_URI="mongodb://127.0.0.1:$wire_port"
  counts=("http://127.0.0.1:$counts_port/counts")
fi
ab_start_bench_node "$port" "$data"
echo "# $(date -u +%FT%TZ) $(nproc) cores, store: embedded ${STORE_BACKEND:-h2}${MONGODB_URI:+ (own process, counted)}, load generator on the same machine"
"$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.StreamBench "http://127.0.0.1:$port" "${BENCH_STREAMS:-1,200}" \
  "${BENCH_WORDS:-100}" "${BENCH_DELAYS:-0,10}" "${counts[@]}"
