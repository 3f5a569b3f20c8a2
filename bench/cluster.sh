#!/usr/bin/env bash
# cluster.sh -- the scale-out figures: the local cluster (scripts/cluster.sh, its own
# ports and data folder) with 2 replicas of every part, then with 1 (the second replica
# of each stopped gracefully), each time authenticated GET /api/users/:id and
# POST /api/messages through haproxy: requests/s, p50/p99, errors, and the CPU ms per
# 1,000 requests of every process (each replica in its own column) and its resident
# memory after the load, from /proc.
#
#   bench/cluster.sh                       both layouts, both scenarios
#   BENCH_DURATION=15s BENCH_CONNECTIONS=64 bench/cluster.sh
#
# One 2-core machine runs wrk, haproxy and every replica: a second replica adds no core,
# so requests/s cannot double here. What predicts a larger cluster is the CPU per request
# of each replica, printed below each table.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
SCRIPTS_DIR="$ROOT_DIR/scripts"
export BENCH_DIR STACK=cluster
export STACK_DIR="${BENCH_STACK_DIR:-$ROOT_DIR/.data/cluster-bench}"

DURATION="${BENCH_DURATION:-15s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
SCENARIOS=(users_get messages_send)

if [[ -z "${BUILD_DIR:-}" ]]; then
  "$SCRIPTS_DIR/install-deps.sh"
  "$SCRIPTS_DIR/build.sh"
  export BUILD_DIR="$ROOT_DIR/build"
fi
rm -rf "$STACK_DIR"
# shellcheck source=../scripts/lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
# shellcheck source=../scripts/lib/proc.sh
source "$SCRIPTS_DIR/lib/proc.sh"
# As bench/run.sh: warn logging, no rate limit, no per-address cap (wrk is one address).
export LOG_LEVEL="${LOG_LEVEL:-warn}"
export RATE_LIMIT_ENABLED="${RATE_LIMIT_ENABLED:-false}"
export EDGE_MAX_CONNECTIONS_PER_ADDRESS="${EDGE_MAX_CONNECTIONS_PER_ADDRESS:-0}"
export BCRYPT_COST="${BCRYPT_COST:-10}"
trap '"$SCRIPTS_DIR/cluster.sh" stop >/dev/null 2>&1 || true' EXIT
"$SCRIPTS_DIR/cluster.sh" start >/dev/null

BASE="http://127.0.0.1:$LB_PORT"
# shellcheck source=bench_lib.sh
source "$BENCH_DIR/bench_lib.sh"
bench_users

PROCS=(lb broker1 broker2 edge1 edge2 users1 users2 messages1 messages2 postgres redis)
CLK_TCK=$(getconf CLK_TCK)

# run_layout LABEL: one table (both scenarios) and its CPU table.
run_layout() {
  local s line row p
  local -A before after
  local cpu_rows=()
  printf '\n%s\n%-15s %10s %9s %9s %8s %8s\n' "$1" scenario "req/s" "p50 ms" "p99 ms" \
    non2xx errors
  for s in "${SCENARIOS[@]}"; do
    for p in "${PROCS[@]}"; do before[$p]=$(bench_cpu_ticks "$p"); done
    line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$BENCH_DIR/$s.lua" "$BASE" \
      | grep '^BENCH ')
    for p in "${PROCS[@]}"; do after[$p]=$(bench_cpu_ticks "$p"); done
    eval "$(sed -E 's/^BENCH //' <<<"$line")"
    # shellcheck disable=SC2154  # set by the eval above
    printf '%-15s %10s %9s %9s %8s %8s\n' "$s" "$rps" "$p50_ms" "$p99_ms" "$non2xx" \
      "$socket_errors"
    row=$(printf '%-15s' "$s")
    for p in "${PROCS[@]}"; do
      # shellcheck disable=SC2154  # requests: set by the eval above
      row+=$(awk -v a="${before[$p]}" -v b="${after[$p]}" -v n="$requests" -v hz="$CLK_TCK" \
        'BEGIN { printf(" %9.1f", (n > 0) ? (b - a) * 1000 / hz * 1000 / n : 0) }')
    done
    cpu_rows+=("$row")
  done
  printf '\nCPU ms per 1,000 requests, per process (user + system; wrk not counted)\n%-15s' scenario
  printf ' %9s' "${PROCS[@]}"
  printf '\n'
  printf '%s\n' "${cpu_rows[@]}"
  # what each replica holds in memory after the load (the requests and limits of deploy/)
  row=$(printf '%-15s' "RSS MiB")
  for p in "${PROCS[@]}"; do
    if [[ "$p" != postgres ]] && proc_alive "$p"; then
      row+=$(awk '/^VmRSS:/ { printf(" %9.1f", $2 / 1024) }' "/proc/$proc_pid/status")
    else
      row+=$(printf ' %9s' -)
    fi
  done
  printf '%s\n' "$row"
}

run_layout "2 replicas of every part (2 brokers, 2 edges, 2 users, 2 messages, ...)"
for p in edge2 notify2 users2 orders2 messages2 broker2; do
  "$SCRIPTS_DIR/cluster.sh" stop-one "$p" >/dev/null
done
sleep 2   # haproxy's checks take the stopped edge out
run_layout "1 replica of every part (the second of each stopped)"
