#!/usr/bin/env bash
# Local three-node agentbus cluster on this machine (no Docker needed).
#
#   scripts/run-cluster.sh [start]   build the jar if needed, start the store and 3 nodes, wait for ready
#   scripts/run-cluster.sh stop      SIGTERM the nodes, then the store; wait for them to exit
#   scripts/run-cluster.sh status    show what is running (exit 0 only if everything is up)
#   scripts/run-cluster.sh restart   stop, then start
#
# Layout: one embedded store (`--store-only`, mongo wire protocol on STORE_PORT, data in
# data/cluster-store) and nodes on HTTP ports 8081, 8082, 8083 joined with `--cluster`
# (Hazelcast TCP-IP on 127.0.0.1, see cluster.xml), all using MONGODB_URI=mongodb://127.0.0.1:STORE_PORT.
# Pids and logs go to run/ (gitignored); the previous run's log is kept as run/NAME.log.prev.
#
# Environment: STORE_PORT (27017), NODE_PORTS ("8081 8082 8083"), WAIT_TIMEOUT seconds for
# readiness (120), STOP_TIMEOUT seconds before SIGKILL (30), CLUSTER_CONFIG (cluster.xml),
# JAVA_OPTS (extra JVM options), MONGODB_DATABASE (passed through).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$AB_ROOT"

STORE_PORT="${STORE_PORT:-27017}"
read -r -a NODE_PORTS <<< "${NODE_PORTS:-8081 8082 8083}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-120}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"
CLUSTER_CONFIG="${CLUSTER_CONFIG:-$AB_ROOT/cluster.xml}"
RUN_DIR="$AB_ROOT/run"
HEALTH_PATH="/api/v1/health/ready"

log() { printf '%s\n' "$*"; }
die() { printf 'run-cluster: error: %s\n' "$*" >&2; exit 1; }

node_names() { local i; for i in "${!NODE_PORTS[@]}"; do printf 'node%d\n' "$((i + 1))"; done; }
pid_file() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log\n' "$RUN_DIR" "$1"; }

# Port of a component: "store" -> STORE_PORT, "nodeN" -> NODE_PORTS[N-1].
port_of() {
  if [[ "$1" == store ]]; then printf '%s\n' "$STORE_PORT"; else printf '%s\n' "${NODE_PORTS[$((${1#node} - 1))]}"; fi
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True if the process exists and is not a zombie waiting to be reaped.
is_alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(ps -p "$1" -o stat= 2>/dev/null)" || return 1
  [[ -n "$stat" && "$stat" != Z* ]]
}

# Pid from the pid file if that process is alive and is an agentbus java process; else fails.
live_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_alive "$pid" || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q 'agentbus\.jar' || return 1
  printf '%s\n' "$pid"
}

is_ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1$HEALTH_PATH" 2>/dev/null; }

show_log_tail() {
  local f
  f="$(log_file "$1")"
  if [[ -f "$f" ]]; then
    printf -- '--- last 30 lines of %s ---\n' "$f" >&2
    tail -n 30 "$f" >&2 || true
  fi
}

# launch NAME [ENV=VALUE...] -- [APP ARGS...]: start java in the background, record its pid.
launch() {
  local name="$1"; shift
  local -a envs=()
  while [[ $# -gt 0 && "$1" != -- ]]; do envs+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  local lf
  lf="$(log_file "$name")"
  [[ -f "$lf" ]] && mv -f "$lf" "$lf.prev"
  printf '=== %s starting at %s ===\n' "$name" "$(date '+%Y-%m-%d %H:%M:%S')" > "$lf"
  nohup env "${envs[@]}" "$AB_JAVA" "${AB_JVM_FLAGS[@]}" -jar "$AB_JAR" "$@" >> "$lf" 2>&1 < /dev/null &
  printf '%s\n' "$!" > "$(pid_file "$name")"
  log "started $name (pid $!, log ${lf#"$AB_ROOT"/})"
}

# Wait until every listed process is gone (bounded by STOP_TIMEOUT), then SIGKILL leftovers.
wait_exit() {
  local deadline=$((SECONDS + STOP_TIMEOUT)) pid alive
  while :; do
    alive=()
    for pid in "$@"; do is_alive "$pid" && alive+=("$pid"); done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    if (( SECONDS >= deadline )); then
      log "still running after ${STOP_TIMEOUT}s, sending SIGKILL to: ${alive[*]}" >&2
      kill -KILL "${alive[@]}" 2>/dev/null || true
      sleep 1
      return 0
    fi
    sleep 0.5
  done
}

# stop_group NAME...: SIGTERM the live ones, wait for them, remove their pid files.
stop_group() {
  local name pid
  local -a pids=()
  for name in "$@"; do
    if pid="$(live_pid "$name")"; then
      log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  [[ ${#pids[@]} -gt 0 ]] && wait_exit "${pids[@]}"
  for name in "$@"; do rm -f "$(pid_file "$name")"; done
}

do_stop() {
  local -a nodes
  mapfile -t nodes < <(node_names)
  stop_group "${nodes[@]}"
  stop_group store
  log "cluster stopped"
}

do_status() {
  local name pid port all_up=0 state
  printf '%-7s %-8s %-6s %s\n' NAME PID PORT STATE
  for name in store $(node_names); do
    port="$(port_of "$name")"
    if pid="$(live_pid "$name")"; then
      if [[ "$name" == store ]]; then
        if port_in_use "$port"; then state="running (listening)"; else state="running (not listening yet)"; all_up=1; fi
      elif is_ready "$port"; then
        state="ready  http://127.0.0.1:$port"
      else
        state="running (not ready)"; all_up=1
      fi
    else
      pid="-"; state="stopped"; all_up=1
    fi
    printf '%-7s %-8s %-6s %s\n' "$name" "$pid" "$port" "$state"
  done
  return "$all_up"
}

# Called when start fails after launching something: show logs, stop what was started.
abort_start() {
  printf 'run-cluster: error: %s\n' "$1" >&2
  [[ -n "${2:-}" ]] && show_log_tail "$2"
  log "stopping what was started (logs stay in run/)" >&2
  do_stop >&2 || true
  exit 1
}

do_start() {
  command -v curl >/dev/null || die "curl is required"
  local name port pid
  mkdir -p "$RUN_DIR" "$AB_ROOT/data/cluster-store"
  [[ -f "$CLUSTER_CONFIG" ]] || die "cluster config not found: $CLUSTER_CONFIG"

  # Refuse to start over a running cluster; clear stale pid files.
  for name in store $(node_names); do
    if pid="$(live_pid "$name")"; then
      die "$name is already running (pid $pid); use '$0 stop' or '$0 status'"
    fi
    rm -f "$(pid_file "$name")"
  done
  for port in "$STORE_PORT" "${NODE_PORTS[@]}"; do
    port_in_use "$port" && die "port $port is already in use (set STORE_PORT / NODE_PORTS or free it)"
  done

  ab_build_if_needed

  local deadline=$((SECONDS + WAIT_TIMEOUT))

  launch store "STORE_PORT=$STORE_PORT" "DATA_DIR=$AB_ROOT/data/cluster-store" -- --store-only
  until port_in_use "$STORE_PORT"; do
    live_pid store >/dev/null || abort_start "store exited during startup" store
    (( SECONDS < deadline )) || abort_start "store not listening on $STORE_PORT after ${WAIT_TIMEOUT}s" store
    sleep 0.5
  done
  log "store listening on 127.0.0.1:$STORE_PORT"

  local -a envs
  for name in $(node_names); do
    port="$(port_of "$name")"
    envs=(
      "HTTP_PORT=$port"
      "MONGODB_URI=mongodb://127.0.0.1:$STORE_PORT"
      "CLUSTER=true"
      "CLUSTER_CONFIG=$CLUSTER_CONFIG"
      "CLUSTER_HOST=${CLUSTER_HOST:-127.0.0.1}"
      "DATA_DIR=$AB_ROOT/data/cluster-$name"
    )
    launch "$name" "${envs[@]}" -- --cluster
  done

  log "waiting up to ${WAIT_TIMEOUT}s for ${HEALTH_PATH} on ports ${NODE_PORTS[*]}"
  local -a pending
  mapfile -t pending < <(node_names)
  while [[ ${#pending[@]} -gt 0 ]]; do
    local -a still=()
    for name in "${pending[@]}"; do
      live_pid "$name" >/dev/null || abort_start "$name exited during startup" "$name"
      if is_ready "$(port_of "$name")"; then
        log "$name ready after $((SECONDS - deadline + WAIT_TIMEOUT))s"
      else
        still+=("$name")
      fi
    done
    pending=("${still[@]+"${still[@]}"}")
    [[ ${#pending[@]} -eq 0 ]] && break
    (( SECONDS < deadline )) || abort_start "not ready after ${WAIT_TIMEOUT}s: ${pending[*]}" "${pending[0]}"
    sleep 1
  done

  log ""
  log "agentbus cluster is up:"
  for name in $(node_names); do
    log "  $name  http://127.0.0.1:$(port_of "$name")"
  done
  log "  store  mongodb://127.0.0.1:$STORE_PORT"
  log "stop with: scripts/run-cluster.sh stop"
}

case "${1:-start}" in
  start)   do_start ;;
  stop)    do_stop ;;
  status)  do_status ;;
  restart) do_stop; do_start ;;
  -h|--help|help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$1' (use start, stop, status or restart)" ;;
esac
