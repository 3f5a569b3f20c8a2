# shellcheck shell=bash
# bench_lib.sh -- what bench/run.sh and bench/cluster.sh share: the bench users and the
# CPU a process has used. Sourced after scripts/lib/env.sh and proc.sh (PG_DATA,
# proc_alive); BASE is the URL requests go to.

# bench_register NAME: prints the JSON answer of a fresh account's registration.
bench_register() {
  curl -sf -X POST "$BASE/api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\",\"email\":\"$1$(date +%s%N)@bench.test\",\"password\":\"bench-pass-1\"}"
}

# bench_users: registers the bench user and a peer (the receiver of messages_send) and
# exports BENCH_TOKEN, BENCH_USER_ID and BENCH_PEER_ID.
bench_users() {
  local answer
  answer=$(bench_register bench)
  BENCH_TOKEN=$(sed -E 's/.*"access_token":"([^"]+)".*/\1/' <<<"$answer")
  BENCH_USER_ID=$(sed -E 's/.*"user":\{"id":([0-9]+).*/\1/' <<<"$answer")
  BENCH_PEER_ID=$(bench_register peer | sed -E 's/.*"user":\{"id":([0-9]+).*/\1/')
  export BENCH_TOKEN BENCH_USER_ID BENCH_PEER_ID
}

# bench_peers: BENCH_PEERS (64) more users, the receivers of messages_spread, inserted in
# one statement with the bench user's password hash (registering them over HTTP would cost
# a bcrypt hash each); exports BENCH_PEER_IDS, comma-separated. Needs DATABASE_URL.
bench_peers() {
  local stamp
  stamp=$(date +%s%N)
  BENCH_PEER_IDS=$(psql "$DATABASE_URL" -qtA -v ON_ERROR_STOP=1 <<SQL | paste -sd,
INSERT INTO users (name, email, username, password_hash)
SELECT 'Peer ' || g, 'peer' || g || '.$stamp@bench.test', 'peer$stamp' || '_' || g, u.password_hash
FROM generate_series(1, ${BENCH_PEERS:-64}) AS g, users AS u
WHERE u.id = $BENCH_USER_ID
RETURNING id;
SQL
  )
  export BENCH_PEER_IDS
}

# bench_cpu_ticks NAME: CPU (user + system, in clock ticks) NAME has used so far: a
# process by its PID file, PostgreSQL as its postmaster and every backend under it, the
# whole machine (every process and the kernel's own work) as "machine".
bench_cpu_ticks() {
  local pid
  if [[ "$1" == machine ]]; then
    # every core's busy time: user nice system (idle iowait) irq softirq steal
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
  elif [[ "$1" == postgres ]]; then
    pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null) || { echo 0; return; }
    # stat: pid (comm) state ppid ... utime(14) stime(15); our comm has no spaces.
    # cat, not awk on the files: a process that ends between the glob and the read would
    # stop awk (a fatal error), and the row with it
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } |
      awk -v pm="$pid" '$1 == pm || $4 == pm { t += $14 + $15 } END { print t + 0 }'
  elif proc_alive "$1"; then
    awk '{ print $14 + $15 }' "/proc/$proc_pid/stat" 2>/dev/null || echo 0
  else
    echo 0
  fi
}
