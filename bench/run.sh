#!/usr/bin/env bash
# run.sh -- boots a bench stack (its own ports and data folder, see scripts/lib/env.sh),
# prepares a user and a token, runs each wrk scenario and prints one table row per scenario:
# requests/s, p50, p99, max latency, non-2xx answers and socket errors.
#
#   bench/run.sh [SCENARIO ...]      default: every scenario below
#   BENCH_DURATION=15s BENCH_THREADS=2 BENCH_CONNECTIONS=64 bench/run.sh health users_get
#
# wrk runs on the same 2-core machine as every process of the stack: the figures are the
# whole system's, load generator included.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
SCRIPTS_DIR="$ROOT_DIR/scripts"
export BENCH_DIR STACK=bench
export STACK_DIR="$ROOT_DIR/.data/bench"

DURATION="${BENCH_DURATION:-15s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
ALL_SCENARIOS=(health users_get orders_create orders_get)
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=("${ALL_SCENARIOS[@]}")

"$SCRIPTS_DIR/install-deps.sh"
"$SCRIPTS_DIR/build.sh"
rm -rf "$STACK_DIR"
# shellcheck source=../scripts/lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
# Logging at warn: one JSON line per request would measure the disk, not the system
# (the pipeline's own cost is measured separately, see docs/BENCHMARKS.md).
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# The seeds' limits (3 per second) would turn a load test into a 429 test.
export RATE_LIMIT_ENABLED="${RATE_LIMIT_ENABLED:-false}"
trap '"$SCRIPTS_DIR/stack.sh" stop >/dev/null' EXIT
"$SCRIPTS_DIR/stack.sh" start >/dev/null

BASE="http://127.0.0.1:$EDGE_PORT"
email="bench$(date +%s)@bench.test"
answer=$(curl -sf -X POST "$BASE/api/auth/register" -H 'Content-Type: application/json' \
  -d "{\"name\":\"Bench\",\"email\":\"$email\",\"password\":\"bench-pass-1\"}")
BENCH_TOKEN=$(sed -E 's/.*"access_token":"([^"]+)".*/\1/' <<<"$answer")
BENCH_USER_ID=$(sed -E 's/.*"user":\{"id":([0-9]+).*/\1/' <<<"$answer")
order=$(curl -sf -X POST "$BASE/api/orders" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $BENCH_TOKEN" -d '{"product":"Bench","amount":10.50}' || true)
BENCH_ORDER_ID=$(sed -E 's/.*"data":\{"id":([0-9]+).*/\1/' <<<"$order")
export BENCH_TOKEN BENCH_USER_ID BENCH_ORDER_ID

printf '%-16s %10s %9s %9s %9s %8s %8s\n' scenario "req/s" "p50 ms" "p99 ms" "max ms" non2xx errors
for s in "${SCENARIOS[@]}"; do
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$BENCH_DIR/$s.lua" "$BASE" | grep '^BENCH ')
  eval "$(sed -E 's/^BENCH //' <<<"$line")"
  # shellcheck disable=SC2154  # set by the eval above
  printf '%-16s %10s %9s %9s %9s %8s %8s\n' "$s" "$rps" "$p50_ms" "$p99_ms" "$max_ms" "$non2xx" \
    "$socket_errors"
done
