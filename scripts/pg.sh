#!/usr/bin/env bash
# pg.sh start|stop -- the stack's own PostgreSQL: a cluster in the data folder, on
# 127.0.0.1:PG_PORT only, trusting local connections, with role and database busd.
# Starting a running cluster, or stopping a stopped one, is fine.
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
  as_pg tee "$PG_DATA/stack.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
${PG_SETTINGS:-}
CONF
}

pg_psql() {
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

pg_start() {
  [[ -s "$PG_DATA/PG_VERSION" ]] || pg_init
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    pg_write_settings
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null
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
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
