#!/usr/bin/env bash
# cluster.sh -- the local multi-replica cluster on 127.0.0.1: its own PostgreSQL and Redis,
# 2 brokers, 2 replicas of users, orders, messages, notify and the edge, and haproxy in
# front on one public port (STACK=cluster: http://127.0.0.1:4080; STACK=chaos, the chaos
# test's: 14080). Ports: scripts/lib/env.sh. Data and logs: .data/<STACK>.
#
#   cluster.sh start            everything, in order; waits until every process is ready
#                               (without BUILD_DIR: installs the packages and builds build/
#                               first, as up.sh does)
#   cluster.sh stop             everything, gracefully: edges, notify, lb, services,
#                               brokers, Redis, PostgreSQL
#   cluster.sh status           every process, its pid and readiness; the load balancer
#   cluster.sh start-one NAME   starts NAME and waits until it is ready
#   cluster.sh stop-one NAME    SIGTERM (graceful) and waits for the exit
#   cluster.sh kill NAME        SIGKILL: a crash, nothing cleaned up
#   cluster.sh ready NAME       exit 0 when NAME's admin /health/ready answers 200
# NAME: broker1 broker2 users1 users2 orders1 orders2 messages1 messages2 notify1 notify2
# edge1 edge2, or postgres, redis, lb (ready lb: the public /health/ready answers 200).
set -euo pipefail
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
export STACK="${STACK:-cluster}"
# No build chosen: this is a person's start, which installs and builds like up.sh does.
cluster_own_build=$([[ -z "${BUILD_DIR:-}" ]] && echo yes || echo no)
case "$STACK" in
  cluster | chaos) ;;
  *) echo "cluster.sh: STACK must be cluster or chaos, not '$STACK'" >&2; exit 2 ;;
esac
# shellcheck source=lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
# shellcheck source=lib/proc.sh
source "$SCRIPTS_DIR/lib/proc.sh"
# shellcheck source=lib/apps.sh
source "$SCRIPTS_DIR/lib/apps.sh"

# An edge drains for up to EDGE_SHUTDOWN_GRACE_MS (10 s): give it that before SIGKILL.
export PROC_STOP_TIMEOUT_S="${PROC_STOP_TIMEOUT_S:-15}"
# The edges see every client through haproxy: believe its X-Forwarded-For, and do not
# count its connections against the per-address limit.
export TRUSTED_PROXIES="${TRUSTED_PROXIES:-127.0.0.1}"
# On SIGTERM an edge stays not-ready (answering 503, which haproxy retries elsewhere) and
# notify not-ready but still serving, this long before stopping: haproxy's checks (every
# 500 ms, 2 failures) take them out first, so nothing new reaches them while they stop.
export EDGE_SHUTDOWN_DELAY_MS="${EDGE_SHUTDOWN_DELAY_MS:-1500}"
export NOTIFY_SHUTDOWN_DELAY_MS="${NOTIFY_SHUTDOWN_DELAY_MS:-1500}"

# Start order (each group stopped in reverse, replicas of one kind at once).
CLUSTER_GROUPS=("broker1 broker2" "users1 users2" "orders1 orders2" "messages1 messages2"
                "notify1 notify2" "edge1 edge2")
LB_CFG="$STACK_DIR/haproxy.cfg"

cluster_names() {
  local group
  for group in "${CLUSTER_GROUPS[@]}"; do
    # shellcheck disable=SC2086  # a group is a list of names
    printf '%s\n' $group
  done
}

# Sets app_bin, app_port (admin) and app_env (its own settings) for process NAME.
cluster_lookup() {
  local name="$1" kind="${1%%[0-9]*}"
  app_env=()
  app_port=$(env_cluster_port "$name") || return 1
  case "$kind" in
    broker)
      app_bin=broker/broker
      app_env=("BROKER_CLIENT_BIND=tcp://127.0.0.1:$(env_cluster_port "$name" client)"
               "BROKER_WORKER_BIND=tcp://127.0.0.1:$(env_cluster_port "$name" worker)"
               "BROKER_XSUB_BIND=tcp://127.0.0.1:$(env_cluster_port "$name" xsub)"
               "BROKER_XPUB_BIND=tcp://127.0.0.1:$(env_cluster_port "$name" xpub)") ;;
    users | orders | messages) app_bin="services/$kind/$kind" ;;
    notify)
      app_bin=services/notify/notify
      # A restarted replica is a new one (its sync topics must not meet the old one's).
      app_env=("NOTIFY_PORT=$(env_cluster_port "$name" public)"
               "NOTIFY_REPLICA_ID=$name-$(date +%s%N)") ;;
    edge)
      app_bin=edge-http/edge
      app_env=("EDGE_PORT=$(env_cluster_port "$name" public)") ;;
    *) return 1 ;;
  esac
  app_bin="$BUILD_DIR/$app_bin"
}

# The haproxy binary (Debian puts it in /usr/sbin, off a user's PATH).
lb_bin() {
  command -v haproxy 2>/dev/null || { [[ -x /usr/sbin/haproxy ]] && echo /usr/sbin/haproxy; } ||
    { echo "cluster.sh: haproxy is not installed (run scripts/install-deps.sh)" >&2; return 1; }
}

# The load balancer's configuration, written at every start of the LB.
lb_config() {
  local n servers_edge="" servers_notify=""
  for n in 1 2; do
    servers_edge+="    server edge$n 127.0.0.1:$(env_cluster_port "edge$n" public) check port $(env_cluster_port "edge$n")"$'\n'
    servers_notify+="    server notify$n 127.0.0.1:$(env_cluster_port "notify$n" public) check port $(env_cluster_port "notify$n")"$'\n'
  done
  cat >"$LB_CFG.tmp" <<CFG
# Written by scripts/cluster.sh at every start of the LB: edit that script, not this file.
global
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 1s
    timeout client 60s
    # a bus call may take BUS_TIMEOUT_MS (30 s)
    timeout server 35s
    timeout http-request 10s
    timeout http-keep-alive 5s
    # an open WebSocket: notify pings every NOTIFY_PING_S (30 s)
    timeout tunnel 1h
    timeout client-fin 5s
    timeout server-fin 5s
    # A refused connection, or a 503 (the edge's drain, no worker, Redis away: nothing
    # was done), is tried again on the other replica; so is a connection cut before any
    # answer (an edge killed), but only for requests safe to repeat (edges_safe below).
    # Never a timeout: the request may still be carried out.
    retries 3
    option redispatch 1
    retry-on conn-failure 503
    # Readiness on each process's admin port, every 500 ms: out after 2 failures.
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2

frontend public
    bind 127.0.0.1:$LB_PORT
    option forwardfor
    acl is_ws path /ws
    # (lines of one name are ORed)
    acl is_edge path /api /health
    acl is_edge path_beg /api/ /health/
    # Nothing else: no /metrics, no admin port, from outside.
    http-request return status 404 content-type application/json string "{\\"success\\":false,\\"statusCode\\":404,\\"error\\":\\"NOT_FOUND\\",\\"message\\":\\"Route not found\\"}" unless is_ws || is_edge
    # Safe to send twice (API.md, Idempotency-Key): a GET, or a write with its key.
    acl is_safe method GET HEAD
    acl is_safe req.hdr(Idempotency-Key) -m found
    use_backend notify if is_ws
    use_backend edges_safe if is_edge is_safe
    use_backend edges if is_edge

backend edges
    balance roundrobin
$servers_edge
backend edges_safe
    balance roundrobin
    retry-on conn-failure empty-response 503
$servers_edge
backend notify
    # WebSockets last: spread them by how many each replica holds.
    balance leastconn
$servers_notify
CFG
  mv "$LB_CFG.tmp" "$LB_CFG"
}

lb_start() {
  local bin
  bin=$(lb_bin)
  if proc_alive lb; then
    echo "lb: already running (pid $proc_pid)"
    return 0
  fi
  lb_config
  "$bin" -c -q -f "$LB_CFG" || { echo "cluster.sh: $LB_CFG is not valid" >&2; return 1; }
  # -db: stay in the foreground, as the one process proc.sh holds the PID of.
  proc_spawn lb "$bin" -db -f "$LB_CFG"
  local deadline=$((SECONDS + 10))
  until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$LB_PORT/"; do
    if ! proc_alive lb || ((SECONDS >= deadline)); then
      echo "lb: not answering on port $LB_PORT; see $LOG_DIR/lb.log" >&2
      tail -n 5 "$LOG_DIR/lb.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "lb: listening (pid $proc_pid, http://127.0.0.1:$LB_PORT, log $LOG_DIR/lb.log)"
}

start_one() {
  case "$1" in
    postgres) "$SCRIPTS_DIR/pg.sh" start ;;
    redis) "$SCRIPTS_DIR/redis.sh" start ;;
    lb) lb_start ;;
    *)
      cluster_lookup "$1" || { echo "cluster.sh: unknown process '$1'" >&2; return 2; }
      [[ -x "$app_bin" ]] || { echo "cluster.sh: $app_bin is not built" >&2; return 1; }
      apps_start "$1" "$app_bin" "$app_port" "${app_env[@]}"
      ;;
  esac
}

stop_one() {
  case "$1" in
    postgres) "$SCRIPTS_DIR/pg.sh" stop ;;
    redis) "$SCRIPTS_DIR/redis.sh" stop ;;
    lb) proc_stop lb ;;
    *)
      cluster_lookup "$1" || { echo "cluster.sh: unknown process '$1'" >&2; return 2; }
      proc_stop "$1"
      ;;
  esac
}

kill_one() {
  local pid=""
  case "$1" in
    postgres) [[ ! -s "$PG_DATA/postmaster.pid" ]] || pid=$(head -n 1 "$PG_DATA/postmaster.pid") ;;
    redis | lb) ! proc_alive "$1" || pid="$proc_pid" ;;
    *)
      cluster_lookup "$1" || { echo "cluster.sh: unknown process '$1'" >&2; return 2; }
      ! proc_alive "$1" || pid="$proc_pid"
      ;;
  esac
  [[ -n "$pid" ]] || { echo "$1: not running"; return 0; }
  kill -KILL "$pid"
  # Gone once the kernel has reaped it (it is not our child: wait cannot be used).
  while [[ -e "/proc/$pid" ]] && [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]; do
    sleep 0.05
  done
  echo "$1: killed (pid $pid)"
}

ready_one() {
  case "$1" in
    postgres) pg_isready -q -h 127.0.0.1 -p "$PG_PORT" ;;
    redis) [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]] ;;
    lb) curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$LB_PORT/health/ready" 2>/dev/null ;;
    *)
      cluster_lookup "$1" || { echo "cluster.sh: unknown process '$1'" >&2; return 2; }
      apps_ready "$app_port"
      ;;
  esac
}

# Runs "start_one NAME" for every NAME at once; fails when one of them failed.
start_group() {
  local name pids=() rc=0
  for name in "$@"; do
    start_one "$name" &
    pids+=("$!")
  done
  for name in "${pids[@]}"; do
    wait "$name" || rc=1
  done
  return "$rc"
}

# Runs "stop_one NAME" for every NAME at once (replicas of one kind drain together).
stop_group() {
  local name pids=()
  for name in "$@"; do
    stop_one "$name" &
    pids+=("$!")
  done
  for name in "${pids[@]}"; do
    wait "$name" || true
  done
}

cluster_start() {
  local name group
  if [[ "$cluster_own_build" == yes ]]; then
    "$SCRIPTS_DIR/install-deps.sh"
    "$SCRIPTS_DIR/build.sh"
  fi
  lb_bin >/dev/null
  for name in $(cluster_names); do
    cluster_lookup "$name"
    [[ -x "$app_bin" ]] || { echo "cluster.sh: $app_bin is not built (run scripts/build.sh)" >&2; return 1; }
  done
  start_one postgres
  start_one redis
  apps_migrate
  apps_bus_keys
  for group in "${CLUSTER_GROUPS[@]}"; do
    # shellcheck disable=SC2086
    start_group $group
  done
  start_one lb
  # Ready through the LB once haproxy's own checks have found an edge.
  proc_wait_http lb "http://127.0.0.1:$LB_PORT/health/ready"
  cat <<INFO

The cluster is up (STACK=$STACK, data and logs in $STACK_DIR):
  REST       http://127.0.0.1:$LB_PORT   (/api/..., /health)
  WebSocket  ws://127.0.0.1:$LB_PORT/ws
  admin      $ADMIN_EMAIL / $ADMIN_PASSWORD
  status     STACK=$STACK scripts/cluster.sh status
INFO
}

cluster_stop() {
  local i
  # Edges first (they drain what is in flight through the LB), then notify (1001 closes
  # go out through the LB), the LB, the services, the brokers, the data.
  for ((i = ${#CLUSTER_GROUPS[@]} - 1; i >= 4; i--)); do
    # shellcheck disable=SC2086
    stop_group ${CLUSTER_GROUPS[i]}
  done
  stop_one lb
  # shellcheck disable=SC2086
  stop_group ${CLUSTER_GROUPS[1]} ${CLUSTER_GROUPS[2]} ${CLUSTER_GROUPS[3]}
  # shellcheck disable=SC2086
  stop_group ${CLUSTER_GROUPS[0]}
  stop_one redis
  stop_one postgres
}

# One line: NAME, pid or "stopped", readiness.
status_line() {
  local name="$1" pid="$2" where="$3" state
  if [[ -z "$pid" ]]; then
    printf '%-10s %-8s %-10s %s\n' "$name" - stopped "$where"
    return
  fi
  if ready_one "$name"; then state=ready; else state="not-ready"; fi
  printf '%-10s %-8s %-10s %s\n' "$name" "$pid" "$state" "$where"
}

cluster_status() {
  local name pid
  printf '%-10s %-8s %-10s %s\n' NAME PID READY WHERE
  pid=""
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && [[ -s "$PG_DATA/postmaster.pid" ]]; then
    pid=$(head -n 1 "$PG_DATA/postmaster.pid")
  fi
  status_line postgres "$pid" "127.0.0.1:$PG_PORT"
  pid=""
  ! proc_alive redis || pid="$proc_pid"
  status_line redis "$pid" "127.0.0.1:$REDIS_PORT"
  for name in $(cluster_names); do
    cluster_lookup "$name"
    pid=""
    ! proc_alive "$name" || pid="$proc_pid"
    case "$name" in
      broker*) status_line "$name" "$pid" "admin :$app_port, bus :$(env_cluster_port "$name" client)-:$(env_cluster_port "$name" xpub)" ;;
      notify* | edge*) status_line "$name" "$pid" "admin :$app_port, public :$(env_cluster_port "$name" public)" ;;
      *) status_line "$name" "$pid" "admin :$app_port" ;;
    esac
  done
  pid=""
  ! proc_alive lb || pid="$proc_pid"
  status_line lb "$pid" "http://127.0.0.1:$LB_PORT (ready: /health/ready through it)"
}

case "${1:-}" in
  start) cluster_start ;;
  stop) cluster_stop ;;
  status) cluster_status ;;
  start-one) start_one "${2:?usage: cluster.sh start-one NAME}" ;;
  stop-one) stop_one "${2:?usage: cluster.sh stop-one NAME}" ;;
  kill) kill_one "${2:?usage: cluster.sh kill NAME}" ;;
  ready) ready_one "${2:?usage: cluster.sh ready NAME}" ;;
  *)
    echo "usage: $0 start|stop|status|start-one NAME|stop-one NAME|kill NAME|ready NAME" >&2
    exit 2
    ;;
esac
