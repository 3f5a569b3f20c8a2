#!/usr/bin/env bash
# run.sh -- the chaos test, bounded: starts the local cluster (STACK=chaos
# scripts/cluster.sh start), runs the chaos program against it with the cluster's kill,
# start-one and ready commands, stops the cluster whatever happens, and exits with the
# program's status (0 every check passed, 1 a check failed, 2 it could not run).
#
#   tests/chaos/run.sh [chaos options...]     e.g. --duration 60, --kills broker1,edge2
#
# BUILD_DIR (default build/) holds the binaries; CHAOS_* variables pass through to the
# program (tests/chaos/README.md). Records (CSV) land in .data/chaos/chaos-records.
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT_DIR"
export STACK=chaos
export BUILD_DIR="${BUILD_DIR:-$ROOT_DIR/build}"
# The load comes from one address as a handful of users: the default limits (3/s per
# user) would turn it into 429s. The same generous limits as scripts/test.sh.
export RATE_LIMIT_PER_SECOND="${RATE_LIMIT_PER_SECOND:-100000}"
export RATE_LIMIT_PER_MINUTE="${RATE_LIMIT_PER_MINUTE:-1000000}"
export RATE_LIMIT_ROUTES="${RATE_LIMIT_ROUTES:-/api/auth/login=100000/60s;/api/auth/register=100000/60s}"
export BCRYPT_COST="${BCRYPT_COST:-10}"
export LOG_LEVEL="${LOG_LEVEL:-warn}"

CLUSTER="$ROOT_DIR/scripts/cluster.sh"
BIN="$BUILD_DIR/tests/chaos/chaos"
START_TIMEOUT_S=180     # the whole cluster, PostgreSQL and migrations included
STOP_TIMEOUT_S=120
DURATION="${CHAOS_DURATION:-90}"
# The program's own bound: the load (which may run up to 120 s over for a slow restart),
# the WebSocket drain and the checks; past it, SIGINT makes it stop the load and report.
RUN_TIMEOUT_S=$((DURATION + 180))

[[ -x "$BIN" ]] || { echo "run.sh: $BIN is not built (cmake --build)" >&2; exit 2; }
[[ -x "$CLUSTER" ]] || { echo "run.sh: $CLUSTER is missing: the chaos test needs the local cluster" >&2; exit 2; }

# shellcheck disable=SC2317  # run by the EXIT trap
stop_cluster() {
  local rc=$?
  echo "run.sh: stopping the cluster" >&2
  timeout "$STOP_TIMEOUT_S" "$CLUSTER" stop >&2 || echo "run.sh: cluster stop failed or timed out" >&2
  exit "$rc"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

echo "run.sh: starting the cluster (STACK=chaos)" >&2
if ! timeout "$START_TIMEOUT_S" "$CLUSTER" start >&2; then
  echo "run.sh: the cluster did not start" >&2
  exit 2
fi
RECORD_DIR="${CHAOS_RECORD_DIR:-$ROOT_DIR/.data/chaos/chaos-records}"
# The cluster's own database: env.sh decides it for STACK=chaos, as for every stack
# (CHAOS_DATABASE_URL overrides it, with CHAOS_URL and CHAOS_WS_URL, to aim elsewhere).
DB_URL="${CHAOS_DATABASE_URL:-}"
# shellcheck source=SCRIPTDIR/../../scripts/lib/env.sh
if [[ -z "$DB_URL" ]] && ! DB_URL=$(source "$ROOT_DIR/scripts/lib/env.sh" && echo "$DATABASE_URL"); then
  echo "run.sh: scripts/lib/env.sh gives no DATABASE_URL for STACK=chaos" >&2
  exit 2
fi
mkdir -p "$RECORD_DIR"

rc=0
timeout --signal=INT --kill-after=30 "$RUN_TIMEOUT_S" "$BIN" \
  --url "${CHAOS_URL:-http://127.0.0.1:14080}" \
  --ws-url "${CHAOS_WS_URL:-ws://127.0.0.1:14080/ws}" \
  --db "$DB_URL" \
  --kill-cmd "$CLUSTER kill" --start-cmd "$CLUSTER start-one" --ready-cmd "$CLUSTER ready" \
  --duration "$DURATION" --record-dir "$RECORD_DIR" "$@" || rc=$?
echo "run.sh: chaos exited $rc (records in $RECORD_DIR)" >&2
exit "$rc"
