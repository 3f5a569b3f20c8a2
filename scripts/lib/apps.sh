# shellcheck shell=bash
# shellcheck disable=SC2154  # proc_pid is proc_alive's (proc.sh)
# apps.sh -- what every stack script does to a stack: the migrations, the bus's
# certificates, and starting one process until its admin /health/ready answers. Shared by
# stack.sh (one process of each kind) and cluster.sh (replicas). Sourced after env.sh and
# proc.sh.

apps_migrate() {
  local bin="$BUILD_DIR/schemas/migrate"
  [[ -x "$bin" ]] || { echo "$0: $bin is not built (run scripts/build.sh)" >&2; return 1; }
  "$bin" "$MIGRATIONS_DIR" 2>&1 | tee -a "$LOG_DIR/migrate.log"
}

# The bus's certificates, one per role (every replica of a role shares its role's), made
# once per data folder and kept across restarts.
apps_bus_keys() {
  local bin="$BUILD_DIR/broker/bus-keygen"
  [[ -x "$bin" ]] || { echo "$0: $bin is not built (run scripts/build.sh)" >&2; return 1; }
  [[ -n "${BUS_CURVE_DIR:-}" ]] || return 0              # BUS_INSECURE=true: a plain bus
  "$bin" "$BUS_CURVE_DIR" broker edge users orders messages notify >/dev/null
}

# apps_start NAME BINARY ADMIN_PORT [VAR=VALUE...]: starts BINARY as process NAME with
# ADMIN_PORT and the settings given (on top of the environment), then waits until its
# /health/ready answers 200. Fine when NAME already runs; skipped when not built.
apps_start() {
  local name="$1" bin="$2" port="$3"
  shift 3
  if proc_alive "$name"; then
    echo "$name: already running (pid $proc_pid)"
    return 0
  fi
  if [[ ! -x "$bin" ]]; then
    echo "$name: skipped ($bin is not built)"
    return 0
  fi
  # Something else answering there would make the readiness check below lie.
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    echo "$name: admin port $port is already taken by another process" >&2
    return 1
  fi
  (
    # shellcheck disable=SC2163  # the arguments are VAR=VALUE words
    (($# == 0)) || export "$@"
    ADMIN_PORT="$port" proc_spawn "$name" "$bin"
  )
  proc_wait_http "$name" "http://127.0.0.1:$port/health/ready"
  proc_alive "$name"
  echo "$name: ready (pid $proc_pid, admin 127.0.0.1:$port, log $LOG_DIR/$name.log)"
}

# True when process NAME's admin /health/ready at PORT answers 200 now.
apps_ready() {
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/health/ready" 2>/dev/null
}
