#!/usr/bin/env bash
# down.sh -- stops the local stack that up.sh started, from another terminal.
set -euo pipefail
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
export STACK=local
# shellcheck source=lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
# shellcheck source=lib/proc.sh
source "$SCRIPTS_DIR/lib/proc.sh"

# Ask up.sh to stop, so it runs its own clean-up and leaves the terminal; then stop
# whatever is left (up.sh was killed outright, or the stack was started by stack.sh).
if [[ -s "$RUN_DIR/up.pid" ]]; then
  up_pid=$(<"$RUN_DIR/up.pid")
  if up_running "$up_pid" && kill -TERM "$up_pid" 2>/dev/null; then
    echo "down.sh: asked up.sh (pid $up_pid) to stop"
    while kill -0 "$up_pid" 2>/dev/null; do
      sleep 0.2
    done
  fi
  rm -f "$RUN_DIR/up.pid"
fi
"$SCRIPTS_DIR/stack.sh" stop
