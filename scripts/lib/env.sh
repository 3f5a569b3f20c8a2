# shellcheck shell=bash
# env.sh -- where a stack lives and listens: data folder, ports, endpoints, secrets.
# Sourced by every script, never run. One place decides these, so the scripts, the
# processes and the integration tests always agree.
#
# STACK=local (default) or STACK=test picks a set of ports and a data folder, so the test
# stack can run beside a local one:
#   local: edge 8080, notify 8081, broker 5555-5558, admin 9099-9104, PostgreSQL 55432,
#          Redis 56379, data in .data/local
#   test:  edge 18080, notify 18081, broker 15555-15558, admin 19099-19104,
#          PostgreSQL 15432, Redis 16379, data in .data/test
#   bench: the same shifted by 20000 (edge 28080, ...), data in .data/bench; all below
#          the ephemeral range (32768+), where an outgoing connection may hold a port
#   dev1 .. dev5: local stacks for engineers working side by side on one machine:
#          the local ports shifted by 1000 .. 5000 (PostgreSQL and Redis too); a sixth
#          would put its edge on 14080, the chaos cluster's public port
#   images: the smoke suite through the container images (tests/images/smoke.sh): the
#          local ports shifted by 7000 (edge 15080, notify 15081, broker 12555-12558,
#          admin 16099-16104, PostgreSQL 12432, Redis 13379), data in .data/images; clear
#          of every other stack here, dev1..dev5 and the clusters included
#   cluster, chaos: the local multi-replica cluster of scripts/cluster.sh (chaos: the one
#          the chaos test runs), every port from a base B (4000 and 14000, data in
#          .data/cluster and .data/chaos), see env_cluster_port below:
#            broker N (1, 2)  client B+N1, worker B+N2, XSUB B+N3, XPUB B+N4, admin B+N5
#            users N, orders N, messages N   admin B+30+N, B+40+N, B+50+N
#            notify N         public B+60+N, admin B+65+N
#            edge N           public B+70+N, admin B+75+N
#            load balancer    B+80 (4080, 14080): the one public port (EDGE_PORT and
#                             NOTIFY_PORT say it too); PostgreSQL B+90, Redis B+91
#          So 4011-4091 and 14011-14091: clear of every stack above and of the test
#          suites' own processes (18089-18100), below the ephemeral range.
# Any variable below may be exported beforehand to override it, except that a test stack
# ignores inherited ports, endpoints and secrets: a developer's exported DATABASE_URL
# must never aim the test suite at a real database. (test.sh sets STACK_DIR itself.)
#
# Tuning knobs (EDGE_THREADS, BUS_HEARTBEAT_MS, BCRYPT_COST, LOG_LEVEL, ...) are not set
# here: each process owns its defaults, and an exported value simply passes through.

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT_DIR
export STACK="${STACK:-local}"

case "$STACK" in
  local) env_port_base=0;     env_db_port_base=50000 ;;
  test)  env_port_base=10000; env_db_port_base=10000 ;;
  bench) env_port_base=20000; env_db_port_base=20000 ;;
  dev[1-5]) env_port_base=$((${STACK#dev} * 1000)); env_db_port_base=$((50000 + env_port_base)) ;;
  images) env_port_base=7000; env_db_port_base=7000 ;;
  cluster) env_cluster_base=4000 ;;
  chaos) env_cluster_base=14000 ;;
  *) echo "env.sh: STACK must be local, test, bench, dev1..dev5, images, cluster or chaos, not '$STACK'" >&2
     return 1 ;;
esac

# env_cluster_port NAME [ROLE]: the port of process NAME (broker1, users2, edge1, ...) of a
# cluster stack; ROLE is admin (default), public (notify, edge) or client, worker, xsub,
# xpub (broker). Fails for a name or role the layout above does not have.
env_cluster_port() {
  local kind="${1%%[0-9]*}" n="${1##*[!0-9]}" role="${2:-admin}" off
  [[ -n "${env_cluster_base:-}" && "$n" =~ ^[1-4]$ ]] || return 1
  case "$kind:$role" in
    broker:client) off=$((n * 10 + 1)) ;;
    broker:worker) off=$((n * 10 + 2)) ;;
    broker:xsub) off=$((n * 10 + 3)) ;;
    broker:xpub) off=$((n * 10 + 4)) ;;
    broker:admin) off=$((n * 10 + 5)) ;;
    users:admin) off=$((30 + n)) ;;
    orders:admin) off=$((40 + n)) ;;
    messages:admin) off=$((50 + n)) ;;
    notify:public) off=$((60 + n)) ;;
    notify:admin) off=$((65 + n)) ;;
    edge:public) off=$((70 + n)) ;;
    edge:admin) off=$((75 + n)) ;;
    *) return 1 ;;
  esac
  [[ "$kind" != broker ]] || ((n <= 2)) || return 1   # broker 3 would meet users' ports
  echo $((env_cluster_base + off))
}

# A cluster's endpoint lists: every broker, comma-separated (common/bus_endpoints.h).
env_cluster_endpoints() {
  local role="$1" n list=""
  for n in 1 2; do
    list+="${list:+,}tcp://127.0.0.1:$(env_cluster_port "broker$n" "$role")"
  done
  echo "$list"
}

# What a test stack refuses to inherit (see above).
ENV_STACK_VARS=(
  EDGE_PORT NOTIFY_PORT LB_PORT
  BROKER_CLIENT_BIND BROKER_WORKER_BIND BROKER_XSUB_BIND BROKER_XPUB_BIND
  BUS_CLIENT_ENDPOINT BUS_WORKER_ENDPOINT BUS_PUB_ENDPOINT BUS_SUB_ENDPOINT
  ADMIN_PORT ADMIN_PORT_EDGE ADMIN_PORT_BROKER ADMIN_PORT_USERS ADMIN_PORT_ORDERS
  ADMIN_PORT_MESSAGES ADMIN_PORT_NOTIFY
  PG_PORT PG_DATA DATABASE_URL REDIS_HOST REDIS_PORT JWT_ALG JWT_SECRET ADMIN_EMAIL ADMIN_PASSWORD
  BUS_CURVE_DIR
)
if [[ "$STACK" != local ]]; then
  unset "${ENV_STACK_VARS[@]}"
fi

export STACK_DIR="${STACK_DIR:-$ROOT_DIR/.data/$STACK}"
# Logs of every process, and the PID files stop uses: always inside the data folder.
export LOG_DIR="$STACK_DIR/logs"
export RUN_DIR="$STACK_DIR/run"
# The build whose binaries the stack runs (build-asan for the sanitizer round).
export BUILD_DIR="${BUILD_DIR:-$ROOT_DIR/build}"
export MIGRATIONS_DIR="${MIGRATIONS_DIR:-$ROOT_DIR/schemas/migrations}"
mkdir -p "$LOG_DIR" "$RUN_DIR"

if [[ -n "${env_cluster_base:-}" ]]; then
  # One public port, the load balancer's; each process's own ports come from
  # env_cluster_port (scripts/cluster.sh). The BROKER_*_BIND and ADMIN_PORT_* of a single
  # stack mean nothing here and are not set.
  export LB_PORT="${LB_PORT:-$((env_cluster_base + 80))}"
  export EDGE_PORT="$LB_PORT" NOTIFY_PORT="$LB_PORT"
  export BUS_CLIENT_ENDPOINT="${BUS_CLIENT_ENDPOINT:-$(env_cluster_endpoints client)}"
  export BUS_WORKER_ENDPOINT="${BUS_WORKER_ENDPOINT:-$(env_cluster_endpoints worker)}"
  export BUS_PUB_ENDPOINT="${BUS_PUB_ENDPOINT:-$(env_cluster_endpoints xsub)}"
  export BUS_SUB_ENDPOINT="${BUS_SUB_ENDPOINT:-$(env_cluster_endpoints xpub)}"
  export PG_PORT="${PG_PORT:-$((env_cluster_base + 90))}"
  export REDIS_PORT="${REDIS_PORT:-$((env_cluster_base + 91))}"
fi

# Public ports.
export EDGE_PORT="${EDGE_PORT:-$((8080 + env_port_base))}"
export NOTIFY_PORT="${NOTIFY_PORT:-$((8081 + env_port_base))}"

if [[ -z "${env_cluster_base:-}" ]]; then
  # The broker binds; peers connect to the same addresses on one machine.
  env_bus() { printf 'tcp://127.0.0.1:%d' "$(($1 + env_port_base))"; }
  export BROKER_CLIENT_BIND="${BROKER_CLIENT_BIND:-$(env_bus 5555)}"
  export BROKER_WORKER_BIND="${BROKER_WORKER_BIND:-$(env_bus 5556)}"
  export BROKER_XSUB_BIND="${BROKER_XSUB_BIND:-$(env_bus 5557)}"
  export BROKER_XPUB_BIND="${BROKER_XPUB_BIND:-$(env_bus 5558)}"
  export BUS_CLIENT_ENDPOINT="${BUS_CLIENT_ENDPOINT:-$BROKER_CLIENT_BIND}"
  export BUS_WORKER_ENDPOINT="${BUS_WORKER_ENDPOINT:-$BROKER_WORKER_BIND}"
  export BUS_PUB_ENDPOINT="${BUS_PUB_ENDPOINT:-$BROKER_XSUB_BIND}"
  export BUS_SUB_ENDPOINT="${BUS_SUB_ENDPOINT:-$BROKER_XPUB_BIND}"

  # Each process reads ADMIN_PORT; stack.sh hands every process its own one of these.
  export ADMIN_PORT_EDGE="${ADMIN_PORT_EDGE:-$((9099 + env_port_base))}"
  export ADMIN_PORT_BROKER="${ADMIN_PORT_BROKER:-$((9100 + env_port_base))}"
  export ADMIN_PORT_USERS="${ADMIN_PORT_USERS:-$((9101 + env_port_base))}"
  export ADMIN_PORT_ORDERS="${ADMIN_PORT_ORDERS:-$((9102 + env_port_base))}"
  export ADMIN_PORT_MESSAGES="${ADMIN_PORT_MESSAGES:-$((9103 + env_port_base))}"
  export ADMIN_PORT_NOTIFY="${ADMIN_PORT_NOTIFY:-$((9104 + env_port_base))}"
fi

# PostgreSQL and Redis: never the system defaults 5432/6379, which the Debian packages'
# own services may hold.
export PG_PORT="${PG_PORT:-$((5432 + env_db_port_base))}"
export PG_DATA="${PG_DATA:-$STACK_DIR/postgres}"
export DATABASE_URL="${DATABASE_URL:-host=127.0.0.1 port=$PG_PORT dbname=busd user=busd}"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export REDIS_PORT="${REDIS_PORT:-$((6379 + env_db_port_base))}"

# A secret kept in the data folder: made once (0600) and reused, so tokens and the admin
# login survive a restart of the stack, and a fresh data folder gets fresh ones.
# Prints PREFIX + BYTES random bytes in hex + SUFFIX the first time, the stored value after.
env_stored_secret() {
  local file="$STACK_DIR/secrets/$1" bytes="$2" prefix="$3" suffix="$4"
  if [[ ! -s "$file" ]]; then
    (
      umask 077
      mkdir -p "$STACK_DIR/secrets"
      printf '%s%s%s\n' "$prefix" "$(od -An -N"$bytes" -tx1 /dev/urandom | tr -d ' \n')" "$suffix" \
        >"$file.tmp"
      mv "$file.tmp" "$file"
    )
  fi
  cat "$file"
}
export JWT_ALG="${JWT_ALG:-HS256}"
export JWT_SECRET="${JWT_SECRET:-$(env_stored_secret jwt_secret 32 '' '')}"
export ADMIN_EMAIL="${ADMIN_EMAIL:-admin@local.test}"
# The prefix and suffix make sure the password holds a letter and a digit (API.md's rule).
export ADMIN_PASSWORD="${ADMIN_PASSWORD:-$(env_stored_secret admin_password 12 'Local-' '-1')}"
# The bus's CURVE certificates (common/bus_security.h), made by stack.sh with bus-keygen:
# every process of the stack reads its own from here.
# BUS_INSECURE=true runs the stack on a plain bus (to measure what CURVE costs).
if [[ "${BUS_INSECURE:-}" == true ]]; then
  unset BUS_CURVE_DIR
else
  export BUS_CURVE_DIR="${BUS_CURVE_DIR:-$STACK_DIR/curve}"
fi
