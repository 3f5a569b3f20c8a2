# shellcheck shell=bash
# ws_lib.sh -- what the WebSocket scenarios of run.sh need beside the stack: the users
# (rows inserted in bulk), the group, a second notify replica, and the ws_load runs.
# Sourced by run.sh after env.sh and proc.sh; uses BASE, BENCH_TOKEN, BENCH_USER_ID.

WS_SOCKETS="${BENCH_WS_SOCKETS:-5000}"
WS_RATE="${BENCH_WS_RATE:-2500}"
WS_DURATION="${BENCH_WS_DURATION:-10}"
WS_GROUP_SIZE="${BENCH_WS_GROUP_SIZE:-20}"     # members besides the creator (at most 100)
WS_GROUP_EVERY="${BENCH_WS_GROUP_EVERY:-10}"   # every 10th message goes to the group
WS_HTTP_CONNS="${BENCH_WS_HTTP_CONNS:-64}"    # as wrk -c64
NOTIFY2_PORT="${BENCH_NOTIFY2_PORT:-$((NOTIFY_PORT + 1))}"
NOTIFY2_ADMIN_PORT="${BENCH_NOTIFY2_ADMIN_PORT:-$((ADMIN_PORT_NOTIFY + 1))}"
WS_USERS_FILE="$STACK_DIR/ws_users.txt"
ws_ready=""
# ws_held: the active sockets that get the messages, the rate and the most sockets one
# holding process takes (its own open-files limit is the machine's 20,000).
WS_HELD_ACTIVE="${BENCH_WS_HELD_ACTIVE:-20}"
WS_HELD_RATE="${BENCH_WS_HELD_RATE:-200}"
WS_HELD_PER_PROCESS="${BENCH_WS_HELD_PER_PROCESS:-10000}"
WS_HELD_USERS_FILE="$STACK_DIR/ws_held_users.txt"
ws_held_rows=()

# WS_SOCKETS users in one INSERT: registering them over HTTP would cost one bcrypt hash
# each (seconds of both cores). They all get the bench user's password hash, so each is a
# real account that could log in with the bench password; ws_load mints their tokens.
# ws_users_insert [COUNT FILE]: COUNT (WS_SOCKETS) users, their ids into FILE (WS_USERS_FILE).
ws_users_insert() {
  local count="${1:-$WS_SOCKETS}" file="${2:-$WS_USERS_FILE}" stamp
  stamp=$(date +%s%N)
  psql "$DATABASE_URL" -qtA -v ON_ERROR_STOP=1 >"$file" <<SQL
INSERT INTO users (name, email, username, password_hash)
SELECT 'WS ' || g, 'ws' || g || '.$stamp@bench.test', 'ws$stamp' || '_' || g, u.password_hash
FROM generate_series(1, $count) AS g, users AS u
WHERE u.id = $BENCH_USER_ID
ORDER BY g
RETURNING id;
SQL
}

# The group: the bench user creates it with the first WS_GROUP_SIZE socket users, who
# alternate between the replicas (user i goes to replica i mod 2).
ws_group_create() {
  local members answer
  members=$(head -n "$WS_GROUP_SIZE" "$WS_USERS_FILE" | paste -sd,)
  answer=$(curl -sf -X POST "$BASE/api/groups" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $BENCH_TOKEN" -d "{\"name\":\"bench\",\"member_ids\":[$members]}")
  WS_GROUP_ID=$(sed -E 's/.*"data":\{"id":([0-9]+).*/\1/' <<<"$answer")
}

# A second notify replica with the stack's environment, as test_notify.c starts one.
ws_notify2_start() {
  NOTIFY_PORT="$NOTIFY2_PORT" ADMIN_PORT="$NOTIFY2_ADMIN_PORT" \
    proc_spawn notify2 "$BUILD_DIR/services/notify/notify"
  proc_wait_http notify2 "http://127.0.0.1:$NOTIFY2_ADMIN_PORT/health/ready"
}

ws_prepare() {
  [[ -n "$ws_ready" ]] && return 0
  ws_users_insert
  ws_group_create
  ws_notify2_start
  ws_ready=1
}

# ws_run NAME ARGS...: one ws_load run; its machine lines go to $STACK_DIR/NAME.out.
ws_run() {
  local name="$1"
  shift
  "$BUILD_DIR/bench/ws_load" --users "$WS_USERS_FILE" --edge "127.0.0.1:$EDGE_PORT" \
    --sockets "$WS_SOCKETS" --http-conns "$WS_HTTP_CONNS" "$@" \
    >"$STACK_DIR/$name.out" 2>"$STACK_DIR/$name.err" || true
}

# ws_idle: every socket on replica 1, no messages: the memory of 5,000 idle sockets.
ws_scenario_idle() {
  ws_run "$1" --rate 0 --url "ws://127.0.0.1:$NOTIFY_PORT/ws,$RUN_DIR/notify.pid"
}

# ws_delivery[@RATE]: sockets split over both replicas, direct and group messages at RATE
# (default WS_RATE) messages per second.
ws_scenario_delivery() {
  local name="$1" rate="${1#ws_delivery@}"
  [[ "$rate" != "$name" ]] || rate="$WS_RATE"
  ws_run "$name" --rate "$rate" --duration "$WS_DURATION" \
    --group "$WS_GROUP_ID" --group-members "$WS_GROUP_SIZE" --group-every "$WS_GROUP_EVERY" \
    --url "ws://127.0.0.1:$NOTIFY_PORT/ws,$RUN_DIR/notify.pid" \
    --url "ws://127.0.0.1:$NOTIFY2_PORT/ws,$RUN_DIR/notify2.pid"
}

# ws_held[@N]: N sockets (default 19,000) on replica 1, of which WS_HELD_ACTIVE get direct
# messages at WS_HELD_RATE per second from one ws_load while the others stay idle, held by
# ws_load processes of at most WS_HELD_PER_PROCESS sockets each, each from its own source
# address (127.0.0.11, .12, ...). The figure: notify's CPU per frame delivered to the
# active sockets (from /proc, over the sending phase), compared across N; and its RSS
# before the sockets and with all N held.
ws_scenario_held() {
  local name="$1" total="${1#ws_held@}"
  [[ "$total" != "$name" ]] || total=19000
  local active="$WS_HELD_ACTIVE" idle=$((total - WS_HELD_ACTIVE))
  ((idle >= 0)) || { echo "ws_held: fewer sockets than WS_HELD_ACTIVE" >&2; return 1; }
  local have=0
  [[ -f "$WS_HELD_USERS_FILE" ]] && have=$(wc -l <"$WS_HELD_USERS_FILE")
  ((have >= total)) || ws_users_insert "$total" "$WS_HELD_USERS_FILE"
  local notify_pid rss_before rss_held
  read -r notify_pid _ <"$RUN_DIR/notify.pid"
  rss_before=$(awk '/^VmRSS/ { print $2 }' "/proc/$notify_pid/status")
  # The idle sockets: users after the active ones, in processes of their own.
  local pids=() p=0 skip="$active" left="$idle" n
  while ((left > 0)); do
    n=$((left < WS_HELD_PER_PROCESS ? left : WS_HELD_PER_PROCESS))
    rm -f "$STACK_DIR/$name.hold$p.ready"
    "$BUILD_DIR/bench/ws_load" --users "$WS_HELD_USERS_FILE" --skip "$skip" --sockets "$n" \
      --source "127.0.0.$((11 + p))" --rate 0 --hold 3600 \
      --ready-file "$STACK_DIR/$name.hold$p.ready" \
      --url "ws://127.0.0.1:$NOTIFY_PORT/ws" \
      >"$STACK_DIR/$name.hold$p.out" 2>"$STACK_DIR/$name.hold$p.err" &
    pids+=("$!")
    skip=$((skip + n)); left=$((left - n)); p=$((p + 1))
  done
  local i deadline=$((SECONDS + 300))
  for ((i = 0; i < p; i++)); do
    while [[ ! -s "$STACK_DIR/$name.hold$i.ready" ]] && ((SECONDS < deadline)); do sleep 1; done
  done
  sleep 2
  rss_held=$(awk '/^VmRSS/ { print $2 }' "/proc/$notify_pid/status")
  # The active sockets and the messages: the first WS_HELD_ACTIVE users, to each other.
  "$BUILD_DIR/bench/ws_load" --users "$WS_HELD_USERS_FILE" --sockets "$active" \
    --edge "127.0.0.1:$EDGE_PORT" --http-conns 8 --rate "$WS_HELD_RATE" \
    --duration "$WS_DURATION" --url "ws://127.0.0.1:$NOTIFY_PORT/ws,$RUN_DIR/notify.pid" \
    >"$STACK_DIR/$name.out" 2>"$STACK_DIR/$name.err" || true
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  local held_ready=0 line r
  for ((i = 0; i < p; i++)); do
    line=$(grep '^WS_RESULT ' "$STACK_DIR/$name.hold$i.out" 2>/dev/null) || continue
    r=$(sed -E 's/.* ready=([0-9]+).*/\1/' <<<"$line")
    held_ready=$((held_ready + r))
  done
  local active_line replica_line
  active_line=$(grep '^WS_RESULT ' "$STACK_DIR/$name.out" 2>/dev/null || true)
  replica_line=$(grep '^WS_REPLICA ' "$STACK_DIR/$name.out" 2>/dev/null || true)
  # A run that printed nothing leaves dashes, not an unset variable (set -u).
  ws_held_rows+=("$(
    local ready=0 sent_rps=- p99_ms=- cpu_ms=- frames=- cpu_us_per_frame=-
    eval "${active_line#WS_RESULT }"
    local a_ready="$ready"
    eval "${replica_line#WS_REPLICA }"
    # shellcheck disable=SC2154  # set by the evals above
    printf '%-15s %7s %9s %9s %7s %10s %10s %7s %8s %8s %9s %8s' "$name" \
      "$((held_ready + a_ready))/$total" "$p" "$a_ready/$active" "$sent_rps" \
      "$((rss_before / 1024))M" "$((rss_held / 1024))M" \
      "$(awk -v b="$rss_before" -v h="$rss_held" -v n="$total" 'BEGIN { printf("%.2f", (h - b) / 1024 / (n / 1000)) }')" \
      "$cpu_ms" "$frames" "$cpu_us_per_frame" "$p99_ms"
  )")
}

# Prints the two WebSocket tables from the .out files of the scenarios that ran.
ws_tables() {
  local s line
  printf '\n%-17s %11s %7s %7s %7s %6s %8s %8s %8s %8s %8s %6s %15s\n' scenario "ready/all" \
    "conn s" "msg/s" acked non201 "post p99" "dlv p50" "dlv p99" "dlv max" "e2e p99" early \
    "frames/expect"
  for s in "$@"; do
    line=$(grep '^WS_RESULT ' "$STACK_DIR/$s.out" 2>/dev/null) || {
      printf '%-17s failed: see %s\n' "$s" "$STACK_DIR/$s.err"; continue; }
    (
      eval "${line#WS_RESULT }"
      # shellcheck disable=SC2154  # set by the eval above
      printf '%-17s %11s %7s %7s %7s %6s %8s %8s %8s %8s %8s %6s %15s\n' "$s" \
        "$ready/$sockets" "$connect_s" "$sent_rps" "$acked" "$non201" "$post_p99_ms" "$p50_ms" \
        "$p99_ms" "$max_ms" "$e2e_p99_ms" "$early" "$frames/$expected_frames"
    )
  done
  printf '\n%-17s %-16s %8s %10s %10s %10s %10s %10s %8s %8s %9s\n' scenario replica sockets "RSS before" \
    "RSS held" "MiB/1k" "+MiB/1k" "after load" "cpu ms" frames "us/frame"
  for s in "$@"; do
    grep '^WS_REPLICA ' "$STACK_DIR/$s.out" 2>/dev/null | while read -r line; do
      (
        eval "${line#WS_REPLICA }"
      # shellcheck disable=SC2154  # set by the eval above
        printf '%-17s %-16s %8s %10s %10s %10s %10s %10s %8s %8s %9s\n' "$s" "$url" "$ready" \
          "${rss_before_mib}M" "${rss_held_mib}M" "$mib_per_1k" "$delta_mib_per_1k" \
          "${rss_after_mib}M" "$cpu_ms" "$frames" "$cpu_us_per_frame"
      )
    done
  done
}

# Prints the ws_held table: sockets ready of those held, the holding processes, the active
# sockets ready, the rate taken, notify's RSS before and held (+MiB per 1,000 sockets),
# notify's CPU over the sending phase, the frames it delivered, CPU per frame, delivery p99.
ws_held_table() {
  printf '\n%-15s %7s %9s %9s %7s %10s %10s %7s %8s %8s %9s %8s\n' scenario ready processes \
    active "msg/s" "RSS before" "RSS held" "+MiB/1k" "cpu ms" frames "us/frame" "dlv p99"
  printf '%s\n' "${ws_held_rows[@]}"
}
