#!/usr/bin/env bash
# stack.sh -- start and stop a whole stack, or one part of it, non-interactively.
# The one implementation behind up.sh/down.sh (STACK=local) and test.sh (STACK=test);
# integration tests call it too (TEST_STACK_SCRIPT) to kill and revive a component.
#
#   stack.sh start             PostgreSQL, Redis, migrations, then every built process
#   stack.sh stop              everything, in reverse order, by PID
#   stack.sh start-one NAME    postgres, redis, or a process below (waits until ready)
#   stack.sh stop-one NAME
#   stack.sh status
# (The multi-replica cluster, STACK=cluster or chaos, is scripts/cluster.sh's.)
set -euo pipefail
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
# shellcheck source=lib/proc.sh
source "$SCRIPTS_DIR/lib/proc.sh"
# shellcheck source=lib/apps.sh
source "$SCRIPTS_DIR/lib/apps.sh"
if [[ -n "${env_cluster_base:-}" ]]; then
  echo "stack.sh: STACK=$STACK is a cluster: use scripts/cluster.sh" >&2
  exit 2
fi

# The processes, in start order (stopped in reverse): name, binary under BUILD_DIR, admin
# port. A binary that is not built (yet) is skipped, so a new service is one line here.
STACK_APPS=(
  "broker   broker/broker                $ADMIN_PORT_BROKER"
  "users    services/users/users         $ADMIN_PORT_USERS"
  "orders   services/orders/orders       $ADMIN_PORT_ORDERS"
  "messages services/messages/messages   $ADMIN_PORT_MESSAGES"
  "notify   services/notify/notify       $ADMIN_PORT_NOTIFY"
  "edge     edge-http/edge               $ADMIN_PORT_EDGE"
)

# Sets app_bin and app_port for process NAME; fails for an unknown name.
app_lookup() {
  local entry name bin port
  for entry in "${STACK_APPS[@]}"; do
    read -r name bin port <<<"$entry"
    if [[ "$name" == "$1" ]]; then
      app_bin="$BUILD_DIR/$bin"
      app_port="$port"
      return 0
    fi
  done
  return 1
}

app_names() {
  local entry
  for entry in "${STACK_APPS[@]}"; do
    echo "${entry%% *}"
  done
}

app_start() {
  app_lookup "$1"
  apps_start "$1" "$app_bin" "$app_port"
}

start_one() {
  case "$1" in
    postgres) "$SCRIPTS_DIR/pg.sh" start ;;
    redis) "$SCRIPTS_DIR/redis.sh" start ;;
    *)
      app_lookup "$1" || { echo "stack.sh: unknown component '$1'" >&2; return 2; }
      app_start "$1"
      ;;
  esac
}

stop_one() {
  case "$1" in
    postgres) "$SCRIPTS_DIR/pg.sh" stop ;;
    redis) "$SCRIPTS_DIR/redis.sh" stop ;;
    *)
      app_lookup "$1" || { echo "stack.sh: unknown component '$1'" >&2; return 2; }
      proc_stop "$1"
      ;;
  esac
}

stack_start() {
  local name
  start_one postgres
  start_one redis
  apps_migrate
  apps_bus_keys
  for name in $(app_names); do
    app_start "$name"
  done
  # The edge being ready on its public port is what a client needs.
  app_lookup edge
  if [[ ! -x "$app_bin" ]]; then
    echo "stack.sh: the edge is not built, so nothing answers on port $EDGE_PORT" >&2
    return 1
  fi
  proc_wait_http edge "http://127.0.0.1:$EDGE_PORT/health/ready"
}

stack_stop() {
  local names name
  # Edge first, so no new work comes in while the services finish theirs.
  mapfile -t names < <(app_names | tac)
  for name in "${names[@]}"; do
    proc_stop "$name"
  done
  stop_one redis
  stop_one postgres
}

stack_status() {
  local name
  for name in $(app_names) redis; do
    if proc_alive "$name"; then
      echo "$name: running (pid $proc_pid)"
    else
      echo "$name: stopped"
    fi
  done
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
    echo "postgres: running (port $PG_PORT)"
  else
    echo "postgres: stopped"
  fi
}

case "${1:-}" in
  start) stack_start ;;
  stop) stack_stop ;;
  start-one) start_one "${2:?usage: stack.sh start-one NAME}" ;;
  stop-one) stop_one "${2:?usage: stack.sh stop-one NAME}" ;;
  status) stack_status ;;
  *) echo "usage: $0 start|stop|status|start-one NAME|stop-one NAME" >&2; exit 2 ;;
esac
