#!/usr/bin/env bash
# Run one agentbus node: builds target/agentbus.jar if it is missing or older than src/ or
# pom.xml, then execs java with the JVM flags Hazelcast needs. Arguments go to the app, e.g.
#   scripts/run.sh                       # single node on HTTP_PORT (default 8080)
#   scripts/run.sh --cluster             # join the Hazelcast cluster (cluster.xml)
#   STORE_PORT=27017 scripts/run.sh --store-only
# Extra JVM options: JAVA_OPTS="-Xmx512m" scripts/run.sh
# The working directory is the repository root (data/ and cluster.xml resolve from there).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"
ab_build_if_needed
exec "$AB_JAVA" "${AB_JVM_FLAGS[@]}" -jar "$AB_JAR" "$@"
