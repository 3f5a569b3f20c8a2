#!/usr/bin/env bash
# run.sh -- boots a bench stack (its own ports and data folder, see scripts/lib/env.sh),
# prepares users and tokens, runs each scenario and prints one table row per scenario.
# wrk scenarios: requests/s, p50, p99, max latency, non-2xx answers and socket errors.
# WebSocket scenarios (bench/ws_load, built with the project) get a second table:
#   ws_idle      5,000 authenticated sockets on one notify replica, no traffic: memory
#   ws_delivery  5,000 sockets over two replicas while messages are POSTed at a fixed rate:
#                201-to-frame delivery latency, frames received vs expected, memory
#   ws_held[@N]  N sockets (19,000) held on one replica by several ws_load processes while
#                20 of them get messages at a fixed rate: RSS, notify's CPU per frame
#                (not in the default list: bench/run.sh ws_held@1000 ws_held@19000)
#
#   bench/run.sh [SCENARIO ...]      default: every scenario below
#   BENCH_DURATION=15s BENCH_THREADS=2 BENCH_CONNECTIONS=64 bench/run.sh health users_get
#   BENCH_WS_SOCKETS=5000 BENCH_WS_RATE=2500 BENCH_WS_DURATION=10 bench/run.sh ws_delivery
#   bench/run.sh ws_delivery@500 ws_delivery@2500     (one row per rate)
#   BUILD_DIR=build-bench BENCH_STACK_DIR=.data/benchdev bench/run.sh   (a build of yours)
#   BENCH_FSYNC_DELAY_MS="0 3" bench/run.sh orders_create messages_send
#                                    every wrk scenario at each disk flush delay: PostgreSQL
#                                    on a slow disk (bench/fsync_delay.c); rows "@3ms"
#
# Before the first scenario, and for each delay, the run prints what pg_test_fsync measures
# here (fdatasync of one 8 kB write, the commit's flush) with and without the delay.
#
# wrk, ws_load and every process of the stack share the same 2-core machine: the figures
# are the whole system's, load generators included.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
SCRIPTS_DIR="$ROOT_DIR/scripts"
# BENCH_STACK=local with every port exported runs beside a bench stack someone else holds
# (env.sh ignores inherited ports only for the bench and test stacks).
export BENCH_DIR STACK="${BENCH_STACK:-bench}"
export STACK_DIR="${BENCH_STACK_DIR:-$ROOT_DIR/.data/bench}"

DURATION="${BENCH_DURATION:-15s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
ALL_SCENARIOS=(health users_get users_me orders_create orders_get messages_send messages_spread ws_idle
  ws_delivery)
# Milliseconds added to every flush of PostgreSQL's (a cloud volume's commit), one pass of
# the wrk scenarios per value; the WebSocket scenarios run in the first pass only.
read -r -a FSYNC_DELAYS <<<"${BENCH_FSYNC_DELAY_MS:-0}"
((${#FSYNC_DELAYS[@]})) || FSYNC_DELAYS=(0)
for d in "${FSYNC_DELAYS[@]}"; do
  [[ "$d" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "run.sh: BENCH_FSYNC_DELAY_MS: '$d' is not milliseconds" >&2; exit 2; }
done
# ms -> us for scripts/pg.sh (PG_FSYNC_DELAY_US)
delay_us() { awk -v ms="$1" 'BEGIN { printf "%d", ms * 1000 }'; }
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=("${ALL_SCENARIOS[@]}")

if [[ -z "${BUILD_DIR:-}" ]]; then
  "$SCRIPTS_DIR/install-deps.sh"
  "$SCRIPTS_DIR/build.sh"
else
  export BUILD_DIR
  cmake -S "$ROOT_DIR" -B "$BUILD_DIR" >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" >/dev/null
fi
rm -rf "$STACK_DIR"
# shellcheck source=../scripts/lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
# shellcheck source=../scripts/lib/proc.sh
source "$SCRIPTS_DIR/lib/proc.sh"
# Logging at warn: one JSON line per request would measure the disk, not the system
# (the pipeline's own cost is measured separately, see docs/BENCHMARKS.md).
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# The seeds' limits (3 per second) would turn a load test into a 429 test.
export RATE_LIMIT_ENABLED="${RATE_LIMIT_ENABLED:-false}"
# wrk is one client address with up to 256 connections: the per-address cap (32) would
# refuse most of them.
export EDGE_MAX_CONNECTIONS_PER_ADDRESS="${EDGE_MAX_CONNECTIONS_PER_ADDRESS:-0}"
# CivetWeb holds a thread per keep-alive connection: a thread for each of wrk's, and some
# for the bench's own requests, or the connections past the threads wait for a free one.
if [ -z "${EDGE_THREADS:-}" ] && [ "$CONNECTIONS" -gt 112 ]; then
  export EDGE_THREADS=$((CONNECTIONS + 16))
fi
# The lowest cost the users service accepts: registrations are set-up, not the measure.
export BCRYPT_COST="${BCRYPT_COST:-10}"
# Every socket is a descriptor in ws_load and in a notify replica (which inherit this).
ulimit -n "$(ulimit -Hn)"
trap 'proc_stop notify2 >/dev/null; "$SCRIPTS_DIR/stack.sh" stop >/dev/null' EXIT
# What a flush costs on this machine now, bare and with each delay: the figure that says
# what "0 ms" means here (another process's writes make this disk slower too).
fsync_probe_line="pg_test_fsync (fdatasync, one 8 kB write) in $STACK_DIR:"
for d in 0 "${FSYNC_DELAYS[@]}"; do
  [[ "$d" != 0 || "$fsync_probe_line" != *" +0 ms"* ]] || continue
  fsync_probe_line+=" +$d ms: $("$SCRIPTS_DIR/pg.sh" fsync-probe "$(delay_us "$d")" || echo '?') us/op;"
done
echo "$fsync_probe_line"
export PG_FSYNC_DELAY_US
PG_FSYNC_DELAY_US=$(delay_us "${FSYNC_DELAYS[0]}")
"$SCRIPTS_DIR/stack.sh" start >/dev/null

BASE="http://127.0.0.1:$EDGE_PORT"
# shellcheck source=bench_lib.sh
source "$BENCH_DIR/bench_lib.sh"
bench_users
bench_peers
order=$(curl -sf -X POST "$BASE/api/orders" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $BENCH_TOKEN" -d '{"product":"Bench","amount":10.50}' || true)
BENCH_ORDER_ID=$(sed -E 's/.*"data":\{"id":([0-9]+).*/\1/' <<<"$order")
export BENCH_ORDER_ID
# shellcheck source=ws_lib.sh
source "$BENCH_DIR/ws_lib.sh"

# The parts whose CPU each row shows (bench_cpu_ticks, bench_lib.sh).
CPU_PARTS=(edge broker users orders messages notify postgres redis)
CLK_TCK=$(getconf CLK_TCK)
# One snapshot of every part, as "name=ticks ..." in the named array.
cpu_snapshot() {
  local -n out=$1
  out=()
  local part
  for part in "${CPU_PARTS[@]}" machine; do
    out[$part]=$(bench_cpu_ticks "$part")
  done
  out[wall]=$(date +%s.%N)
}
cpu_rows=()

ws_done=()
header=""
# wrk_scenario NAME LABEL: one wrk run of bench/NAME.lua, a row of each table as LABEL.
wrk_scenario() {
  local s="$1" label="$2" line row part parts_ticks=0
  [[ -n "$header" ]] || printf '%-17s %10s %9s %9s %9s %8s %8s\n' scenario "req/s" "p50 ms" \
    "p99 ms" "max ms" non2xx errors
  header=1
  declare -A cpu_before cpu_after
  cpu_snapshot cpu_before
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$BENCH_DIR/$s.lua" "$BASE" | grep '^BENCH ')
  cpu_snapshot cpu_after
  eval "$(sed -E 's/^BENCH //' <<<"$line")"
  # CPU milliseconds per 1,000 requests, per part: what predicts a cluster with cores of
  # its own, whatever else shared this machine during the run.
  row=$(printf '%-17s' "$label")
  for part in "${CPU_PARTS[@]}"; do
    # shellcheck disable=SC2154  # requests: set by the eval above
    row+=$(awk -v a="${cpu_before[$part]}" -v b="${cpu_after[$part]}" -v n="$requests" \
      -v hz="$CLK_TCK" 'BEGIN { printf(" %9.1f", (n > 0) ? (b - a) * 1000 / hz * 1000 / n : 0) }')
    parts_ticks=$((parts_ticks + cpu_after[$part] - cpu_before[$part]))
  done
  # The rest of the machine's busy time (wrk, the kernel's own threads, anything else),
  # and how busy its cores were: whether the row was CPU-bound.
  row+=$(awk -v a="${cpu_before[machine]}" -v b="${cpu_after[machine]}" -v p="$parts_ticks" \
    -v n="$requests" -v hz="$CLK_TCK" -v w0="${cpu_before[wall]}" -v w1="${cpu_after[wall]}" \
    -v cores="$(nproc)" 'BEGIN { r = b - a - p; if (r < 0) r = 0
      printf(" %9.1f %8.0f%%", (n > 0) ? r * 1000 / hz * 1000 / n : 0,
             (w1 > w0) ? (b - a) / hz / (w1 - w0) / cores * 100 : 0) }')
  cpu_rows+=("$row")
  # shellcheck disable=SC2154  # set by the eval above
  printf '%-17s %10s %9s %9s %9s %8s %8s\n' "$label" "$rps" "$p50_ms" "$p99_ms" "$max_ms" "$non2xx" \
    "$socket_errors"
}

for pass in "${!FSYNC_DELAYS[@]}"; do
  delay="${FSYNC_DELAYS[$pass]}"
  if ((pass > 0)); then
    # The whole stack again, on the same data, with PostgreSQL's new delay: services that
    # kept connections to the old PostgreSQL would answer 503 to their first request.
    proc_stop notify2 >/dev/null
    "$SCRIPTS_DIR/stack.sh" stop >/dev/null
    PG_FSYNC_DELAY_US=$(delay_us "$delay")
    "$SCRIPTS_DIR/stack.sh" start >/dev/null
  fi
  for s in "${SCENARIOS[@]}"; do
    case "$s" in
      ws_held | ws_held@[0-9]*)
        ((pass == 0)) || continue
        ws_scenario_held "$s"
        ;;
      ws_idle | ws_delivery | ws_delivery@[0-9]*)
        ((pass == 0)) || continue
        ws_prepare
        s_kind="${s%@*}"
        "ws_scenario_${s_kind#ws_}" "$s"
        ws_done+=("$s")
        ;;
      *)
        label="$s"
        [[ "$delay" == 0 ]] || label="$s@${delay}ms"
        wrk_scenario "$s" "$label"
        ;;
    esac
  done
done
if ((${#cpu_rows[@]})); then
  printf '\nCPU ms per 1,000 requests (user + system, from /proc); rest: the machine'"'"'s other busy\n'
  printf 'time (wrk, the kernel'"'"'s threads, anything else); busy: of all %d cores, over the run\n' "$(nproc)"
  printf '%-17s' scenario
  printf ' %9s' "${CPU_PARTS[@]}" rest
  printf ' %9s' busy
  printf '\n'
  printf '%s\n' "${cpu_rows[@]}"
fi
((${#ws_done[@]} == 0)) || ws_tables "${ws_done[@]}"
((${#ws_held_rows[@]} == 0)) || ws_held_table
