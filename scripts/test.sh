#!/usr/bin/env bash
# test.sh -- README command 2: install, build, and run the whole suite (unit and
# integration tests) twice: on the plain build, then on the sanitizer build, each against
# a fresh test stack on the test ports (see lib/env.sh), beside any running local stack;
# then a short run of every fuzz target (scripts/fuzz.sh), then the container image built and
# smoke-tested (scripts/images.sh smoke), then the deploy manifests' validation
# (tests/deploy/run.sh), then the chaos test on the local cluster
# (tests/chaos/run.sh: kill -9, then a rolling restart).
# Exits non-zero on any failure; the test stack is always stopped.
set -euo pipefail
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT_DIR=$(cd "$SCRIPTS_DIR/.." && pwd)
TEST_ROOT="$ROOT_DIR/.data/test"
export STACK=test

# What the test stack runs with: cheap bcrypt (never below 10) and a short bus timeout so
# that tests of dead services do not wait 30 s; durability traded for speed.
export BCRYPT_COST="${BCRYPT_COST:-10}"
export BUS_TIMEOUT_MS="${BUS_TIMEOUT_MS:-5000}"
export PG_SETTINGS=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off'
# The edge's rate limit stays on (its code runs in every test) but generous: one run makes
# ~100 registrations and logins from 127.0.0.1, and the seeds' 3/s and 5/min on login and
# register would turn the other suites into a crawl through 429s. test_edge_pipeline
# starts its own edges with strict limits to test the limiter itself.
export RATE_LIMIT_PER_SECOND="${RATE_LIMIT_PER_SECOND:-100000}"
export RATE_LIMIT_PER_MINUTE="${RATE_LIMIT_PER_MINUTE:-1000000}"
export RATE_LIMIT_ROUTES="${RATE_LIMIT_ROUTES:-/api/auth/login=100000/60s;/api/auth/register=100000/60s}"

# A sanitizer report in a process's log fails the round: the process may have survived it
# (or only reported at exit), so no test would notice.
SANITIZER_PATTERN='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:'
export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1"
# Leaks inside system libraries that we cannot fix are listed there, with a reason each.
export LSAN_OPTIONS="suppressions=$SCRIPTS_DIR/lsan.supp:print_suppressions=0"

# run_round LABEL BUILD_DIR: one full pass in a subshell of its own, so its environment and
# its trap (stop the stack, whatever happens) end with it. Output: STACK_DIR/ctest.log.
run_round() {
  export STACK_DIR="$TEST_ROOT/$1" BUILD_DIR="$2"
  # shellcheck source=lib/env.sh
  source "$SCRIPTS_DIR/lib/env.sh"
  trap '"$SCRIPTS_DIR/stack.sh" stop' EXIT

  # Where the integration tests find the system (tests/integration reads these).
  export TEST_EDGE_URL="http://127.0.0.1:$EDGE_PORT"
  export TEST_WS_URL="ws://127.0.0.1:$NOTIFY_PORT/ws"
  export TEST_DATABASE_URL="$DATABASE_URL"
  export TEST_REDIS_HOST="$REDIS_HOST" TEST_REDIS_PORT="$REDIS_PORT"
  export TEST_JWT_SECRET="$JWT_SECRET"
  export TEST_ADMIN_EMAIL="$ADMIN_EMAIL" TEST_ADMIN_PASSWORD="$ADMIN_PASSWORD"
  export TEST_BUILD_DIR="$BUILD_DIR"
  export TEST_EDGE_ADMIN_PORT="$ADMIN_PORT_EDGE"
  # Every process's admin port, by job name (test_observability scrapes them all).
  export TEST_ADMIN_PORTS="edge=$ADMIN_PORT_EDGE,broker=$ADMIN_PORT_BROKER,users=$ADMIN_PORT_USERS,orders=$ADMIN_PORT_ORDERS,messages=$ADMIN_PORT_MESSAGES,notify=$ADMIN_PORT_NOTIFY"
  # The hostile-client suite holds the sanitizer build to a looser latency bound.
  export TEST_SANITIZED=$([[ "$1" == asan ]] && echo 1 || echo 0)
  # test_edge_pipeline starts extra edges on the same broker
  export TEST_BUS_CLIENT_ENDPOINT="$BUS_CLIENT_ENDPOINT"
  export TEST_STACK_SCRIPT="$SCRIPTS_DIR/stack.sh"

  "$SCRIPTS_DIR/stack.sh" start
  local rc=0
  # One test at a time: integration tests share the stack and some stop parts of it.
  ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error 2>&1 | tee "$STACK_DIR/ctest.log" || rc=1
  # A suite skips (exit 77) only when a server it needs is missing; here every one exists,
  # so a skip is a failure of the round (tests/CMakeLists.txt, UNIT_SKIPPABLE).
  if grep -E '\*\*\*Skipped|\((Skipped|Not Run|Disabled)\)' "$STACK_DIR/ctest.log"; then
    echo "test.sh: tests above were skipped in the $1 round; nothing may be skipped here" >&2
    rc=1
  fi

  # Stopped before the log check: LeakSanitizer reports when a process exits.
  trap - EXIT
  "$SCRIPTS_DIR/stack.sh" stop
  local logs=()
  mapfile -t logs < <(find "$LOG_DIR" -name '*.log' ! -name postgres.log ! -name redis.log)
  if ((${#logs[@]})) && grep -E -H "$SANITIZER_PATTERN" "${logs[@]}"; then
    echo "test.sh: sanitizer reports in the logs above (folder $LOG_DIR)" >&2
    rc=1
  fi
  return "$rc"
}

# A test stack left running by an interrupted run would hold the ports and the files
# about to be deleted: stop it first.
for dir in "$TEST_ROOT"/*/; do
  [[ -d "$dir/run" ]] && STACK_DIR="${dir%/}" "$SCRIPTS_DIR/stack.sh" stop
done
rm -rf "$TEST_ROOT"

"$SCRIPTS_DIR/install-deps.sh"

passed=0
failed=0
problems=()
for round in plain asan; do
  if [[ "$round" == plain ]]; then
    build_dir="$ROOT_DIR/build"; build_flags=()
  else
    build_dir="$ROOT_DIR/build-asan"; build_flags=(--sanitize)
  fi
  echo "== test.sh: $round build =="
  if ! "$SCRIPTS_DIR/build.sh" "${build_flags[@]}"; then
    problems+=("$round: build failed")
    continue
  fi
  # Not "( ... ) || ...": that would switch off set -e inside the subshell.
  set +e
  (set -e; run_round "$round" "$build_dir")
  round_rc=$?
  set -e
  # ctest's summary line: "92% tests passed, 1 tests failed out of 12".
  summary=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$TEST_ROOT/$round/ctest.log" 2>/dev/null |
    tail -n 1 || true)
  if [[ "$summary" =~ ^([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+)$ ]]; then
    failed=$((failed + BASH_REMATCH[1]))
    passed=$((passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
  fi
  if ((round_rc != 0)); then
    problems+=("$round: failed (logs in $TEST_ROOT/$round/logs)")
  fi
done

# The fuzz round: every libFuzzer target replays its corpus (seeds and past crashes) and
# fuzzes for FUZZ_SECONDS (20) on a build of its own; scripts/fuzz.sh runs longer hunts.
echo "== test.sh: fuzz targets =="
fuzz_log="$TEST_ROOT/fuzz.log"
mkdir -p "$TEST_ROOT"
set +e
"$SCRIPTS_DIR/fuzz.sh" "${FUZZ_SECONDS:-20}" 2>&1 | tee "$fuzz_log"
fuzz_rc=${PIPESTATUS[0]}
set -e
if [[ "$(tail -n 1 "$fuzz_log")" =~ ^fuzz:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
fi
if ((fuzz_rc != 0)); then
  problems+=("fuzz: failed (logs in $ROOT_DIR/.data/fuzz)")
fi

# The image round (deploy/README.md): build localhost/busd:dev with podman (the Debian
# base comes from the machine's cache, /var/cache/busd, or is debootstrapped into it once),
# then the smoke suite through the containers (tests/images/smoke.sh). Counts as one
# passed or failed; skipped, saying why, only where podman cannot run containers at all.
echo "== test.sh: images =="
images_log="$TEST_ROOT/images.log"
mkdir -p "$TEST_ROOT"
set +e
BUILD_DIR="$ROOT_DIR/build" timeout "${IMAGES_TIMEOUT_S:-1800}" "$SCRIPTS_DIR/images.sh" smoke 2>&1 |
  tee "$images_log"
images_rc=${PIPESTATUS[0]}
set -e
case "$images_rc" in
  0) passed=$((passed + 1)) ;;
  3) echo "test.sh: images round skipped: podman cannot run containers on this machine" \
       "(see $images_log)" ;;
  *) failed=$((failed + 1))
     problems+=("images: failed (exit $images_rc; $images_log, container logs in .data/images/logs)") ;;
esac

# The deploy round (tests/deploy/README.md): renders every overlay of deploy/k8s with
# kubectl kustomize and validates it against the Kubernetes schemas and the project's
# rules (skipped, and said so, where kubectl or node is missing). Bounded: 5 minutes.
echo "== test.sh: deploy manifests =="
deploy_log="$TEST_ROOT/deploy.log"
set +e
BUILD_DIR="$ROOT_DIR/build" DEPLOY_TEST_DIR="$TEST_ROOT/deploy" \
  timeout 300 "$ROOT_DIR/tests/deploy/run.sh" 2>&1 | tee "$deploy_log"
deploy_rc=${PIPESTATUS[0]}
set -e
if [[ "$(tail -n 1 "$deploy_log")" =~ ^deploy:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
fi
if ((deploy_rc != 0)); then
  problems+=("deploy: failed (exit $deploy_rc; $deploy_log)")
fi

# The chaos round (tests/chaos/README.md), on the local cluster (STACK=chaos: 2 brokers,
# 2 replicas of every process, haproxy) built from the plain build: load with
# Idempotency-Keys and open WebSockets while processes die, then the checks (every
# acknowledged request in PostgreSQL exactly once, every notification to its socket
# exactly once, errors only 503/504 inside the kill windows). Twice: kill -9 of one
# broker, one replica of each service, one edge and one notify replica in turn; then a
# rolling restart (SIGTERM, then start) of every process, one after another.
echo "== test.sh: chaos =="
CHAOS_ALL=broker1,users1,orders1,messages1,notify1,edge1,broker2,users2,orders2,messages2,notify2,edge2
for run in kill rolling; do
  if [[ ! -x "$ROOT_DIR/build/tests/chaos/chaos" ]]; then
    problems+=("chaos $run: not run (the plain build failed)")
    continue
  fi
  args=(--duration "${CHAOS_DURATION:-60}")
  if [[ "$run" == rolling ]]; then
    args=(--duration "${CHAOS_ROLLING_DURATION:-80}" --kill-cmd "$SCRIPTS_DIR/cluster.sh stop-one"
          --down-ms 0 --kills "$CHAOS_ALL")
  fi
  STACK=chaos "$SCRIPTS_DIR/cluster.sh" stop >/dev/null 2>&1 || true
  rm -rf "$ROOT_DIR/.data/chaos"
  mkdir -p "$TEST_ROOT"
  set +e
  BUILD_DIR="$ROOT_DIR/build" CHAOS_RECORD_DIR="$TEST_ROOT/chaos-$run" \
    "$ROOT_DIR/tests/chaos/run.sh" "${args[@]}" 2>&1 | tee "$TEST_ROOT/chaos-$run.log"
  chaos_rc=${PIPESTATUS[0]}
  set -e
  if ((chaos_rc == 0)); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    problems+=("chaos $run: failed (exit $chaos_rc; $TEST_ROOT/chaos-$run.log, cluster logs in .data/chaos/logs)")
    cp -r "$ROOT_DIR/.data/chaos/logs" "$TEST_ROOT/chaos-$run-logs" 2>/dev/null || true
  fi
done

for problem in "${problems[@]}"; do
  echo "test.sh: $problem" >&2
done
echo "test.sh: $passed passed, $failed failed"
((${#problems[@]} == 0 && failed == 0))
