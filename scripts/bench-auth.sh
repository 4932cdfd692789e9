#!/usr/bin/env bash
# What authentication and rate limiting cost (issue 10): two nodes started alike (embedded H2
# store, fresh data dirs), the baseline in protected mode with limits off, the guarded one with an
# admin key (AGENTBUS_ADMIN_KEY) and limits on; dev.agentbus.bench.AuthBench sends the same
# GET /sessions/{id} to each in alternating rounds (an API key on the guarded one) and prints the
# ratio of the rates. Bounded: BENCH_SECONDS per round (default 10), BENCH_ROUNDS (5),
# BENCH_CONCURRENCY clients (32), loopback only.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_bench_if_needed

seconds="${BENCH_SECONDS:-10}"
rounds="${BENCH_ROUNDS:-5}"
concurrency="${BENCH_CONCURRENCY:-32}"
admin="bench-admin-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
data="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$data"' EXIT

echo '{"limits": {"enabled": false}}' >"$data/baseline.json"
# the guarded node's tiers are far above what the run sends: every request takes from a bucket, none is refused
echo '{"limits": {"enabled": true, "tiers": {"default": 100000000}}}' >"$data/guarded.json"
mkdir -p "$data/a" "$data/b"
BENCH_CONFIG="$data/baseline.json" ab_start_bench_node 18091 "$data/a"; pids+=("$AB_NODE_PID")
AGENTBUS_ADMIN_KEY="$admin" BENCH_CONFIG="$data/guarded.json" ab_start_bench_node 18092 "$data/b"; pids+=("$AB_NODE_PID")
echo "# $(date -u +%FT%TZ) $(nproc) cores, ${seconds}s per round, $rounds rounds, concurrency $concurrency, store: embedded ${STORE_BACKEND:-h2}"
"$AB_JAVA" -cp "$AB_BENCH_CP" dev.agentbus.bench.AuthBench "http://127.0.0.1:18091" "http://127.0.0.1:18092" "$admin" \
  "$seconds" "$concurrency" "$rounds"
