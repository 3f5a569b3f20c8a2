#!/usr/bin/env bash
# redis.sh start|stop -- the stack's own Redis on 127.0.0.1:REDIS_PORT, in the foreground
# of a background job we hold the PID of. Nothing is persisted: it holds rate-limit
# counters, cache entries and revoked tokens, all of which may be lost on restart.
set -euo pipefail
# shellcheck source=lib/env.sh
source "$(dirname "$0")/lib/env.sh"
# shellcheck source=lib/proc.sh
source "$(dirname "$0")/lib/proc.sh"

REDIS_DATA="$STACK_DIR/redis"

redis_ping() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

redis_start() {
  if proc_alive redis; then
    echo "redis: already running on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  mkdir -p "$REDIS_DATA"
  # --daemonize no with our own background job: we keep the PID, and the log goes where
  # every other log of the stack goes.
  proc_spawn redis "$(command -v redis-server)" --bind 127.0.0.1 --port "$REDIS_PORT" \
    --dir "$REDIS_DATA" --daemonize no --save "" --appendonly no
  local deadline=$((SECONDS + 30))
  until redis_ping; do
    if ! proc_alive redis || ((SECONDS >= deadline)); then
      echo "redis.sh: Redis did not answer PING on port $REDIS_PORT; see $LOG_DIR/redis.log" >&2
      tail -n 5 "$LOG_DIR/redis.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "redis: ready on 127.0.0.1:$REDIS_PORT"
}

case "${1:-}" in
  start) redis_start ;;
  stop) proc_stop redis ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
