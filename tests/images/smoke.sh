#!/usr/bin/env bash
# smoke.sh -- the smoke suite through the container images: PostgreSQL and Redis of a
# stack of its own (STACK=images, scripts/lib/env.sh) outside the containers; the bus's
# certificates made by bus-keygen and the migration run by migrate, both from the image;
# broker, users, orders, messages, notify and edge as containers of the image (host
# network, read-only root, /tmp a tmpfs, tini as PID 1, uid 10001, no capabilities); then
# images_smoke (smoke_client.c) drives them through the edge and notify; then every
# container is stopped with SIGTERM and must exit 0 (the signal reached the process and
# its graceful stop ran). Every container is removed and both servers stopped, whatever
# happens. Run by scripts/images.sh smoke (which builds the image first) and test.sh.
#
# Exit status: 0 passed, 1 failed, 3 podman cannot run here (nothing was tested).
# IMAGE (localhost/busd:dev) and BUILD_DIR (build/, for the client) may be set.
set -euo pipefail
SMOKE_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT_DIR=$(cd "$SMOKE_DIR/../.." && pwd)
SCRIPTS_DIR="$ROOT_DIR/scripts"
export ROOT_DIR STACK=images
IMAGE="${IMAGE:-localhost/busd:dev}"
CLIENT_BUILD_DIR="${BUILD_DIR:-$ROOT_DIR/build}"
LABEL="io.busd.smoke=$STACK"
# The processes, in start order (stopped in reverse): the command in the image, the
# variable holding its admin port.
PROCESSES=(broker:ADMIN_PORT_BROKER users:ADMIN_PORT_USERS orders:ADMIN_PORT_ORDERS
           messages:ADMIN_PORT_MESSAGES notify:ADMIN_PORT_NOTIFY edge:ADMIN_PORT_EDGE)
# What every process reads from the environment (README's table), passed by name.
PASS_ENV=(DATABASE_URL REDIS_HOST REDIS_PORT JWT_ALG JWT_SECRET ADMIN_EMAIL ADMIN_PASSWORD
          BROKER_CLIENT_BIND BROKER_WORKER_BIND BROKER_XSUB_BIND BROKER_XPUB_BIND
          BUS_CLIENT_ENDPOINT BUS_WORKER_ENDPOINT BUS_PUB_ENDPOINT BUS_SUB_ENDPOINT
          EDGE_PORT NOTIFY_PORT BCRYPT_COST LOG_LEVEL)
CURVE_IN_CTR=/etc/busd/curve
started=$SECONDS

say() { printf 'images smoke: %s\n' "$*"; }
fail() { printf 'images smoke: FAILED: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/lib/containers.sh
source "$SCRIPTS_DIR/lib/containers.sh"
if ! ctr_usable; then
  say "skipped: podman cannot run containers on this machine"
  exit 3
fi
ctr_image_exists "$IMAGE" || fail "$IMAGE is not built (scripts/images.sh build)"
# The ports of STACK=images are the machine's: one run at a time, whichever checkout.
exec 9>/tmp/busd-images-smoke.lock
flock -w 900 9 || fail "another image smoke run holds /tmp/busd-images-smoke.lock"

# A previous run cut short may have left containers or servers: remove them, start fresh.
smoke_remove_containers() {
  local ids=()
  mapfile -t ids < <(podman ps -a -q --filter "label=$LABEL" 2>/dev/null)
  ((${#ids[@]} == 0)) || podman rm -f -t 5 "${ids[@]}" >/dev/null 2>&1 || true
}
smoke_remove_containers
"$SCRIPTS_DIR/stack.sh" stop >/dev/null 2>&1 || true
rm -rf "$ROOT_DIR/.data/$STACK"
# shellcheck source=scripts/lib/env.sh
source "$SCRIPTS_DIR/lib/env.sh"
export BCRYPT_COST="${BCRYPT_COST:-10}" LOG_LEVEL="${LOG_LEVEL:-info}"

smoke_cleanup() {
  local rc=$?
  local name
  trap - EXIT
  # Each container's output becomes its log in the data folder, for a failed run.
  for name in $(podman ps -a --filter "label=$LABEL" --format '{{.Names}}' 2>/dev/null); do
    podman logs "$name" >"$LOG_DIR/$name.log" 2>&1 || true
  done
  smoke_remove_containers
  "$SCRIPTS_DIR/stack.sh" stop-one redis >/dev/null 2>&1 || true
  "$SCRIPTS_DIR/stack.sh" stop-one postgres >/dev/null 2>&1 || true
  if ((rc == 0)); then
    say "passed in $((SECONDS - started)) s"
  else
    say "failed after $((SECONDS - started)) s (logs in $LOG_DIR)" >&2
  fi
  exit "$rc"
}
trap smoke_cleanup EXIT
trap 'exit 143' TERM INT

# The client: the integration tests' support library, from the plain build.
if [[ ! -x "$CLIENT_BUILD_DIR/tests/images/images_smoke" ]]; then
  say "building the client (images_smoke) in $CLIENT_BUILD_DIR"
  [[ -f "$CLIENT_BUILD_DIR/CMakeCache.txt" ]] || cmake -S "$ROOT_DIR" -B "$CLIENT_BUILD_DIR" >/dev/null
  cmake --build "$CLIENT_BUILD_DIR" --target images_smoke -j2 >/dev/null
fi

# ctr_args NAME ROLE: the options every container of the system runs with. ROLE names the
# one secret certificate it may read (none for migrate).
ctr_args() {
  local name="$1" role="$2" var file
  # shellcheck disable=SC2054  # the commas belong to the --tmpfs options
  args=(--name "busd-$STACK-$name" --label "$LABEL" --network host
        --read-only --tmpfs /tmp:rw,nosuid,nodev,size=16m --cap-drop all
        --security-opt no-new-privileges)
  for var in "${PASS_ENV[@]}"; do
    args+=(-e "$var")
  done
  if [[ -n "$role" ]]; then
    args+=(-e "BUS_CURVE_DIR=$CURVE_IN_CTR" -v "$BUS_CURVE_DIR/public:$CURVE_IN_CTR/public:ro")
    for file in "$BUS_CURVE_DIR/secret/$role".cert*; do
      args+=(-v "$file:$CURVE_IN_CTR/secret/${file##*/}:ro")
    done
  fi
}

# Waits until PROCESS's admin /health/ready on PORT answers 200; gives up at once, with
# the container's last lines, when the container has stopped.
ctr_wait_ready() {
  local name="$1" port="$2" deadline=$((SECONDS + ${READY_TIMEOUT_S:-60}))
  while ((SECONDS < deadline)); do
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" 2>/dev/null; then
      return 0
    fi
    if [[ "$(podman inspect -f '{{.State.Running}}' "busd-$STACK-$name" 2>/dev/null)" != true ]]; then
      podman logs --tail 20 "busd-$STACK-$name" >&2 || true
      fail "$name stopped before it was ready"
    fi
    sleep 0.2
  done
  podman logs --tail 20 "busd-$STACK-$name" >&2 || true
  fail "$name not ready on admin port $port after ${READY_TIMEOUT_S:-60} s"
}

say "image $IMAGE ($(podman image inspect -f '{{.Size}}' "$IMAGE") bytes)," \
  "user $(podman image inspect -f '{{.Config.User}}' "$IMAGE")," \
  "entrypoint $(podman image inspect -f '{{.Config.Entrypoint}}' "$IMAGE")"

"$SCRIPTS_DIR/stack.sh" start-one postgres >/dev/null
"$SCRIPTS_DIR/stack.sh" start-one redis >/dev/null
say "PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT (outside the containers)"

# bus-keygen writes as the image's user: the folder is that user's.
mkdir -p "$BUS_CURVE_DIR"
chown 10001:10001 "$BUS_CURVE_DIR"
ctr_args keygen ""
podman run --rm "${args[@]}" -v "$BUS_CURVE_DIR:/curve" "$IMAGE" \
  bus-keygen /curve broker edge users orders messages notify >/dev/null
for role in broker edge users orders messages notify; do
  [[ -s "$BUS_CURVE_DIR/secret/$role.cert" ]] || fail "bus-keygen made no certificate for $role"
done
say "bus-keygen (in the image): one CURVE certificate per role; each container mounts" \
  "public/ and its own secret, read-only"

ctr_args migrate ""
podman run --rm "${args[@]}" "$IMAGE" migrate 2>&1 | tee "$LOG_DIR/migrate.log" | sed 's/^/  /'
applied=$(psql "$DATABASE_URL" -tAc 'SELECT count(*) FROM schema_migrations')
in_image=$(podman run --rm --entrypoint /bin/ls "$IMAGE" /usr/local/share/busd/migrations | grep -c '\.sql$')
((applied == in_image && applied > 0)) || fail "schema_migrations has $applied rows, the image $in_image files"
say "migrate (in the image): $applied migrations from /usr/local/share/busd/migrations applied"

for entry in "${PROCESSES[@]}"; do
  name="${entry%%:*}" port_var="${entry#*:}"
  ctr_args "$name" "$name"
  podman run -d "${args[@]}" -e "ADMIN_PORT=${!port_var}" "$IMAGE" "$name" >/dev/null
  ctr_wait_ready "$name" "${!port_var}"
  say "$name: container busd-$STACK-$name ready (admin 127.0.0.1:${!port_var}/health/ready -> 200)"
done

say "driving the system through the edge (http://127.0.0.1:$EDGE_PORT) and notify (ws://127.0.0.1:$NOTIFY_PORT/ws)"
TEST_EDGE_URL="http://127.0.0.1:$EDGE_PORT" TEST_WS_URL="ws://127.0.0.1:$NOTIFY_PORT/ws" \
  timeout 180 "$CLIENT_BUILD_DIR/tests/images/images_smoke" || fail "the client's checks failed"

# SIGTERM through tini to each process, edge first: exit status 0 means the process got
# it and shut down gracefully (137 would be podman's SIGKILL after the timeout).
for ((i = ${#PROCESSES[@]} - 1; i >= 0; i--)); do
  name="${PROCESSES[i]%%:*}"
  t0=$SECONDS
  podman stop -t 30 "busd-$STACK-$name" >/dev/null
  code=$(podman inspect -f '{{.State.ExitCode}}' "busd-$STACK-$name")
  ((code == 0)) || fail "$name exited $code on SIGTERM (0 expected: a graceful stop)"
  say "$name: SIGTERM -> exited 0 in $((SECONDS - t0)) s"
done
