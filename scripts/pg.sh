#!/usr/bin/env bash
# pg.sh start|stop -- the stack's own PostgreSQL: a cluster in the data folder, on
# 127.0.0.1:PG_PORT only, trusting local connections, with role and database busd.
# Starting a running cluster, or stopping a stopped one, is fine.
#
# A slow disk on demand (the bench's, see bench/README.md): PG_FSYNC_DELAY_US=3000 starts
# PostgreSQL with the LD_PRELOAD shim bench/fsync_delay.c (PG_FSYNC_SHIM, built as
# BUILD_DIR/bench/libfsync_delay.so), which makes every flush 3 ms longer.
#   pg.sh fsync-probe [DELAY_US]   what pg_test_fsync measures for fdatasync of one 8 kB
#                                  write in the data folder's file system (us per op),
#                                  with the shim when DELAY_US > 0
set -euo pipefail
# shellcheck source=lib/env.sh
source "$(dirname "$0")/lib/env.sh"

# Debian keeps the server binaries off PATH; take the newest installed major version.
pg_bin_dir() {
  local dir
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -x "$dir/initdb" ]] || { echo "pg.sh: no PostgreSQL server found (run scripts/install-deps.sh)" >&2; return 1; }
  echo "$dir"
}
PG_BIN="${PG_BIN:-$(pg_bin_dir)}"
PG_LOG="$LOG_DIR/postgres.log"
PG_FSYNC_SHIM="${PG_FSYNC_SHIM:-$BUILD_DIR/bench/libfsync_delay.so}"

# initdb and postgres refuse to run as root: as root, run them as the postgres user.
as_pg() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The postgres user must be able to walk down to the data folder. A checkout under a
# 0700 folder (/root) is not searchable: add o+x (search only, no listing) where missing.
pg_make_reachable() {
  local dir
  dir=$(dirname "$PG_DATA")
  while [[ "$dir" != / ]]; do
    if ! runuser -u postgres -- test -x "$dir"; then
      echo "pg.sh: chmod o+x $dir so the postgres user can reach $PG_DATA"
      chmod o+x "$dir"
    fi
    dir=$(dirname "$dir")
  done
}

pg_init() {
  mkdir -p "$PG_DATA"
  chmod 0700 "$PG_DATA"
  touch "$PG_LOG"
  if ((EUID == 0)); then
    pg_make_reachable
    chown postgres: "$PG_DATA" "$PG_LOG"
  fi
  # -U postgres: the superuser has the same name whoever runs this script.
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale \
    >>"$PG_LOG"
  # Settings that follow the environment live in stack.conf, rewritten at every start.
  echo "include_if_exists = 'stack.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

pg_write_settings() {
  # Extra settings one per line (the test stack trades durability for speed).
  # max_connections: every service thread holds a connection of its own (ORDERS_THREADS,
  # MESSAGES_THREADS, ...; deploy/README.md has the sum), and the bench and the tests try
  # larger pools than the defaults; PostgreSQL's default, 100, would refuse them.
  as_pg tee "$PG_DATA/stack.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
max_connections = ${PG_MAX_CONNECTIONS:-300}
${PG_SETTINGS:-}
CONF
}

# The environment PostgreSQL starts with: the slow-disk shim when PG_FSYNC_DELAY_US (or
# the DELAY_US given) is above 0, nothing otherwise. Prints "VAR=VALUE" words for env.
pg_shim_env() {
  local delay="${1:-${PG_FSYNC_DELAY_US:-0}}"
  [[ "$delay" =~ ^[0-9]+$ ]] || { echo "pg.sh: PG_FSYNC_DELAY_US must be microseconds, not '$delay'" >&2; return 1; }
  ((delay > 0)) || return 0
  if [[ ! -r "$PG_FSYNC_SHIM" ]]; then
    echo "pg.sh: $PG_FSYNC_SHIM is not built (cmake --build $BUILD_DIR)" >&2
    return 1
  fi
  if ((EUID == 0)) && ! runuser -u postgres -- test -r "$PG_FSYNC_SHIM"; then
    echo "pg.sh: the postgres user cannot read $PG_FSYNC_SHIM" >&2
    return 1
  fi
  echo "LD_PRELOAD=$PG_FSYNC_SHIM FSYNC_DELAY_US=$delay"
}

# pg_test_fsync's fdatasync of one 8 kB write, in us per op, on the data folder's file
# system. Only the first two of its tests are needed: it is stopped once that line is out
# (it ignores SIGPIPE, so a closed pipe would not stop it).
pg_fsync_probe() {
  local dir="$STACK_DIR/fsync-probe" out pid us="" deadline=$((SECONDS + 30)) shim_env
  shim_env=$(pg_shim_env "${1:-0}")
  mkdir -p "$dir"
  out="$dir/out.$$"
  # shellcheck disable=SC2086  # shim_env is VAR=VALUE words or nothing
  env $shim_env "$PG_BIN/pg_test_fsync" -s 1 -f "$dir/file" >"$out" 2>&1 &
  pid=$!
  while [[ -z "$us" ]] && ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    us=$(awk '$1 == "fdatasync" && /usecs\/op/ { print $(NF - 1); exit }' "$out")
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  [[ -n "$us" ]] || { echo "pg.sh: pg_test_fsync gave no fdatasync figure" >&2; return 1; }
  echo "$us"
}

pg_psql() {
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

pg_start() {
  [[ -s "$PG_DATA/PG_VERSION" ]] || pg_init
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    pg_write_settings
    local shim_env
    shim_env=$(pg_shim_env)
    # shellcheck disable=SC2086  # shim_env is VAR=VALUE words or nothing
    as_pg env $shim_env "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null
    [[ -z "$shim_env" ]] || echo "postgres: every flush ${PG_FSYNC_DELAY_US} us longer ($PG_FSYNC_SHIM)"
  fi
  local deadline=$((SECONDS + 30))
  until pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; do
    if ((SECONDS >= deadline)); then
      echo "pg.sh: PostgreSQL not ready on port $PG_PORT; see $PG_LOG" >&2
      return 1
    fi
    sleep 0.2
  done
  if [[ "$(pg_psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'busd'")" != 1 ]]; then
    pg_psql -c "CREATE ROLE busd LOGIN"
  fi
  if [[ "$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = 'busd'")" != 1 ]]; then
    pg_psql -c "CREATE DATABASE busd OWNER busd"
  fi
  echo "postgres: ready on 127.0.0.1:$PG_PORT (data $PG_DATA)"
}

pg_stop() {
  if [[ -s "$PG_DATA/PG_VERSION" ]] &&
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    # fast: disconnect clients and shut down cleanly, no waiting for idle sessions.
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    echo "postgres: stopped"
  fi
}

case "${1:-}" in
  start) pg_start ;;
  stop) pg_stop ;;
  fsync-probe) pg_fsync_probe "${2:-0}" ;;
  *) echo "usage: $0 start|stop|fsync-probe [DELAY_US]" >&2; exit 2 ;;
esac
