#!/usr/bin/env bash
# devstack.sh -- the cluster's operator commands (kill, start-one, ready) for a single
# stack (scripts/stack.sh, STACK=local|devN|test), so the chaos program can be tried on
# one developer's stack with the same options it gets on the cluster:
#   chaos --kill-cmd "tests/chaos/devstack.sh kill" --start-cmd "tests/chaos/devstack.sh start-one" \
#         --ready-cmd "tests/chaos/devstack.sh ready" --kills orders,messages ...
# Names are the stack's: broker users orders messages notify edge.
set -euo pipefail
CHAOS_DIR=$(cd "$(dirname "$0")" && pwd)
SCRIPTS_DIR="$CHAOS_DIR/../../scripts"
# shellcheck source=SCRIPTDIR/../../scripts/lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
# shellcheck source=SCRIPTDIR/../../scripts/lib/proc.sh
source "$SCRIPTS_DIR/lib/proc.sh"

admin_port() {
  case "$1" in
    broker) echo "$ADMIN_PORT_BROKER" ;;
    users) echo "$ADMIN_PORT_USERS" ;;
    orders) echo "$ADMIN_PORT_ORDERS" ;;
    messages) echo "$ADMIN_PORT_MESSAGES" ;;
    notify) echo "$ADMIN_PORT_NOTIFY" ;;
    edge) echo "$ADMIN_PORT_EDGE" ;;
    *) echo "devstack.sh: unknown process '$1'" >&2; return 2 ;;
  esac
}

name="${2:?usage: devstack.sh kill|start-one|ready NAME}"
port=$(admin_port "$name")
case "$1" in
  # SIGKILL by the PID file (proc_alive checks it is still our binary), as cluster.sh kill.
  kill)
    proc_alive "$name" || { echo "devstack.sh: $name is not running" >&2; exit 1; }
    kill -KILL "$proc_pid"
    while kill -0 "$proc_pid" 2>/dev/null; do sleep 0.05; done
    ;;
  start-one) exec "$SCRIPTS_DIR/stack.sh" start-one "$name" ;;
  ready) exec curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" ;;
  *) echo "usage: devstack.sh kill|start-one|ready NAME" >&2; exit 2 ;;
esac
