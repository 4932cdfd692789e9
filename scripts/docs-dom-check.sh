#!/usr/bin/env bash
# Renders /docs (Swagger UI) in headless Debian chromium and checks the DOM: our document's title,
# one rendered operation (.opblock) per operationId of /openapi.json, and no load error.
#   scripts/docs-dom-check.sh                          # builds the jar if stale, starts a node (auth on), checks it, stops it
#   scripts/docs-dom-check.sh http://127.0.0.1:8080    # checks a node that is already running
# Exits 0 when the page renders every operation; 1 when it does not; 2 (skipped, saying so) without chromium.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
if [[ -z "$CHROMIUM" ]]; then
  echo "docs-dom-check: SKIPPED, no chromium (apt-get install -y chromium)" >&2
  exit 2
fi

WORK="$(mktemp -d -t agentbus-docs-XXXXXX)"
NODE_PID=""
cleanup() {
  if [[ -n "$NODE_PID" ]]; then
    kill "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

BASE="${1:-}"
if [[ -z "$BASE" ]]; then
  ab_build_if_needed
  PORT="${DOCS_CHECK_PORT:-$((20000 + RANDOM % 20000))}"
  BASE="http://127.0.0.1:$PORT"
  # Authentication on: /docs and /openapi.json must need no credential.
  HTTP_PORT="$PORT" STORE_BACKEND=memory DATA_DIR="$WORK/store" AGENTBUS_CONFIG=/nonexistent LOG_LEVEL=WARN \
    AGENTBUS_ADMIN_KEY="docs-check-$RANDOM$RANDOM$RANDOM$RANDOM" \
    "$AB_JAVA" "${AB_JVM_FLAGS[@]}" -jar "$AB_JAR" >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 120); do
    curl -fsS "$BASE/health/ready" >/dev/null 2>&1 && break
    kill -0 "$NODE_PID" 2>/dev/null || { echo "docs-dom-check: the node exited:" >&2; tail -20 "$WORK/node.log" >&2; exit 1; }
    sleep 0.5
  done
fi

curl -fsS "$BASE/openapi.json" -o "$WORK/openapi.json" || { echo "docs-dom-check: FAIL, $BASE/openapi.json is not served" >&2; exit 1; }
expected="$(grep -o '"operationId"' "$WORK/openapi.json" | wc -l)"

# --virtual-time-budget lets the page's scripts, its fetch of /openapi.json and the rendering run
# to quiet before the DOM is dumped; a real deadline (timeout) guards against a hang.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$WORK/profile" --virtual-time-budget="${DOCS_CHECK_BUDGET_MS:-30000}" \
  --dump-dom "$BASE/docs" >"$WORK/dom.html" 2>"$WORK/chromium.log" || true

rendered="$(grep -o 'class="opblock opblock-[a-z]*' "$WORK/dom.html" | wc -l)"
failures=()
grep -q 'agentbus HTTP API' "$WORK/dom.html" || failures+=("the document's title is not on the page")
grep -qi 'Failed to load API definition' "$WORK/dom.html" && failures+=("Swagger UI could not load the document")
grep -qi 'petstore' "$WORK/dom.html" && failures+=("the page shows the Petstore demo, not our document")
[[ "$rendered" -eq "$expected" ]] || failures+=("$rendered operations rendered, $expected documented")

if [[ ${#failures[@]} -gt 0 ]]; then
  printf 'docs-dom-check: FAIL, %s\n' "${failures[@]}" >&2
  echo "docs-dom-check: DOM $(wc -c <"$WORK/dom.html") bytes; chromium said:" >&2
  tail -5 "$WORK/chromium.log" >&2
  exit 1
fi
echo "docs-dom-check: OK, $BASE/docs renders all $rendered operations of /openapi.json"
