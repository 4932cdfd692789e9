#!/usr/bin/env bash
# Shared helpers for the scripts in scripts/. Source it; do not execute it.
# Sets AB_ROOT (repo root), AB_JAR, AB_BENCH_CP, AB_JAVA and the AB_JVM_FLAGS array.
# shellcheck disable=SC2034  # variables are used by the scripts that source this file

AB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AB_JAR="$AB_ROOT/target/agentbus.jar"
# The load generators (dev.agentbus.bench) are test classes, not in the jar: they run on the jar
# (which carries Vert.x and the web client they use) plus target/test-classes.
AB_BENCH_CP="$AB_JAR:$AB_ROOT/target/test-classes"
AB_JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Flags Hazelcast asks for on Java 17, plus anything in JAVA_OPTS (word-split on purpose).
AB_JVM_FLAGS=(
  --add-modules java.se
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
)
if [[ -n "${JAVA_OPTS:-}" ]]; then
  # shellcheck disable=SC2206
  AB_JVM_FLAGS+=(${JAVA_OPTS})
fi

# True (0) when the jar is missing or older than pom.xml or anything under src/.
ab_jar_stale() {
  [[ -f "$AB_JAR" ]] || return 0
  [[ "$AB_ROOT/pom.xml" -nt "$AB_JAR" ]] && return 0
  [[ -d "$AB_ROOT/src" && -n "$(find "$AB_ROOT/src" -newer "$AB_JAR" -print -quit)" ]] && return 0
  return 1
}

# Build target/agentbus.jar with the Maven wrapper if it is missing or stale.
ab_build_if_needed() {
  if ab_jar_stale; then
    echo "agentbus: building $AB_JAR (./mvnw -q -B package -DskipTests)" >&2
    (cd "$AB_ROOT" && sh ./mvnw -q -B package -DskipTests)
    [[ -f "$AB_JAR" ]] || { echo "agentbus: build finished but $AB_JAR is missing" >&2; return 1; }
    touch "$AB_JAR"  # so an unchanged repackage does not trigger a rebuild on every run
  fi
}

# For the benchmarks: build the jar if needed, and the test classes (the load generators) if they
# are missing, e.g. after a build with -Dmaven.test.skip. `package -DskipTests` compiles them too.
ab_build_bench_if_needed() {
  ab_build_if_needed || return 1
  if [[ ! -f "$AB_ROOT/target/test-classes/dev/agentbus/bench/LoadBench.class" \
     || ! -f "$AB_ROOT/target/test-classes/dev/agentbus/bench/StreamBench.class" ]]; then
    echo "agentbus: compiling the load generators (./mvnw -q -B test-compile)" >&2
    (cd "$AB_ROOT" && sh ./mvnw -q -B test-compile)
    [[ -f "$AB_ROOT/target/test-classes/dev/agentbus/bench/LoadBench.class" ]] \
      || { echo "agentbus: test-compile finished but the bench classes are missing" >&2; return 1; }
  fi
}

# For the benchmarks: start one node on port $1 with a fresh embedded store under directory $2
# (STORE_BACKEND h2 by default), log to $2/node.log, wait until it is ready. Sets AB_NODE_PID.
# BENCH_NODE_JAR runs another build's node (e.g. a worktree of an older commit) under the same
# load generator, for before/after runs; BENCH_CONFIG names a config file for the node (default: none).
ab_start_bench_node() {
  local port="$1" data="$2"
  HTTP_PORT="$port" DATA_DIR="$data/store" STORE_BACKEND="${STORE_BACKEND:-h2}" AGENTBUS_CONFIG="${BENCH_CONFIG:-/nonexistent}" LOG_LEVEL=WARN \
    "$AB_JAVA" "${AB_JVM_FLAGS[@]}" -jar "${BENCH_NODE_JAR:-$AB_JAR}" >"$data/node.log" 2>&1 &
  AB_NODE_PID=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/api/v1/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$AB_NODE_PID" 2>/dev/null || { echo "node exited:"; tail -20 "$data/node.log"; return 1; }
    sleep 0.5
  done
  echo "node did not become ready on port $port"; return 1
}
