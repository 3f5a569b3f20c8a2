#!/usr/bin/env bash
# up.sh -- README command 1: install, build, start the whole local stack on 127.0.0.1, and
# stay in the foreground until Ctrl-C (or scripts/down.sh), which stops everything.
set -euo pipefail
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
export STACK=local
# shellcheck source=lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
# shellcheck source=lib/proc.sh
source "$SCRIPTS_DIR/lib/proc.sh"

# One up.sh per stack: a second one would stop the first one's processes on exit.
if [[ -s "$RUN_DIR/up.pid" ]] && up_running "$(<"$RUN_DIR/up.pid")"; then
  echo "up.sh: already running (pid $(<"$RUN_DIR/up.pid")); scripts/down.sh stops it" >&2
  exit 1
fi

"$SCRIPTS_DIR/install-deps.sh"
"$SCRIPTS_DIR/build.sh"

# down.sh finds us here and asks us to stop, so the stop always runs in one place.
echo "$$" >"$RUN_DIR/up.pid"
sleep_pid=""
stop_all() {
  trap - EXIT INT TERM
  [[ -z "$sleep_pid" ]] || kill "$sleep_pid" 2>/dev/null || true
  echo
  echo "up.sh: stopping the stack"
  "$SCRIPTS_DIR/stack.sh" stop || true
  rm -f "$RUN_DIR/up.pid"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$SCRIPTS_DIR/stack.sh" start

cat <<INFO

The stack is up (data and logs in $STACK_DIR):
  REST       http://127.0.0.1:$EDGE_PORT   (/api/..., /health, /metrics)
  WebSocket  ws://127.0.0.1:$NOTIFY_PORT/ws
  admin      $ADMIN_EMAIL / $ADMIN_PASSWORD   (local only, kept in $STACK_DIR/secrets)
  database   psql "$DATABASE_URL"
Press Ctrl-C here, or run scripts/down.sh elsewhere, to stop it.
INFO

# sleep in the background so a signal interrupts the wait at once.
sleep infinity &
sleep_pid=$!
wait "$sleep_pid" || true
