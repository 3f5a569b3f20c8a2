#!/usr/bin/env bash
# run.sh -- the deploy test: renders every overlay of deploy/k8s with `kubectl kustomize`,
# makes the Secrets with deploy/k8s/secrets.sh, and validates it all (check.js: the
# Kubernetes schemas and the project's rules, then broken copies that each rule must
# catch). Closes with "deploy: N passed, M failed"; exit 0 only when nothing failed.
# Skips (exit 0, says why) where kubectl or node is missing. BUILD_DIR: for bus-keygen.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
out="${DEPLOY_TEST_DIR:-$root/.data/deploy-test}"

skip() {
  echo "deploy: SKIPPED: $1"
  echo "deploy: 0 passed, 0 failed"
  exit 0
}
command -v kubectl >/dev/null || skip "no kubectl here (it renders the overlays: kubectl kustomize)"
command -v node >/dev/null && command -v npm >/dev/null || skip "no node/npm here (scripts/install-deps.sh)"

passed=0
failed=0
result() { # OK LABEL
  if [[ "$1" == 0 ]]; then
    passed=$((passed + 1)); echo "ok - $2"
  else
    failed=$((failed + 1)); echo "not ok - $2"
  fi
}

# The pinned packages (package-lock.json). npm ci again only when the lock changed, so a
# machine that has them needs no registry; --prefer-offline uses npm's cache first.
stamp="$here/node_modules/.package-lock.json"
if [[ ! -f "$stamp" || "$here/package-lock.json" -nt "$stamp" ]]; then
  if ! (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error); then
    echo "deploy: npm ci failed (no registry and no node_modules?)"
    echo "deploy: 0 passed, 1 failed"
    exit 1
  fi
fi

rm -rf "$out"
mkdir -p "$out"
renders=()
for dir in "$root"/deploy/k8s/overlays/*/; do
  name="$(basename "$dir")"
  kubectl kustomize "$dir" >"$out/$name.yaml" 2>"$out/$name.err"
  rc=$?
  result "$rc" "kubectl kustomize deploy/k8s/overlays/$name"
  ((rc == 0)) && renders+=("$name=$out/$name.yaml") || sed 's/^/    /' "$out/$name.err"
done

# The Secrets as an operator would make them (throwaway keys, a dummy DATABASE_URL).
secrets=()
keygen="$build_dir/broker/bus-keygen"
if [[ -x "$keygen" ]] && command -v openssl >/dev/null; then
  BUS_KEYGEN="$keygen" DATABASE_URL="host=postgres.busd-data dbname=busd user=busd" \
    ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD=not-a-real-one \
    "$root/deploy/k8s/secrets.sh" "$out/secret-material" >"$out/secrets.log" 2>&1
  rc=$?
  result "$rc" "deploy/k8s/secrets.sh makes the Secrets"
  ((rc == 0)) && secrets=(--secrets "$out/secret-material/secrets") || sed 's/^/    /' "$out/secrets.log"
else
  echo "# no $keygen (or no openssl): the Secrets' keys are not checked"
fi

if ((${#renders[@]})); then
  node "$here/check.js" --root "$root" "${secrets[@]}" "${renders[@]}" | tee "$out/check.log"
  rc=${PIPESTATUS[0]}
  if [[ "$(tail -n 1 "$out/check.log")" =~ ^check:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  elif ((rc != 0)); then
    failed=$((failed + 1)); echo "not ok - check.js exited $rc"
  fi
fi
# The pods' files and environment with the real binaries: a broker and an edge started
# from the local overlay's containers (podenv.js: env resolved from the ConfigMaps and
# Secrets, Secret volumes laid out as the kubelet mounts them) must talk CURVE and the
# edge turn ready. Only the addresses change: loopback ports here, not the headless name.
pod_smoke() {
  local render="$1" dir="$out/pods" port pids=() rc=1
  # ten free ports in a row (others' stacks and tests listen around here too)
  for port in $(seq $((40000 + ($$ % 200) * 10)) 10 44000) ""; do
    [[ -n "$port" && -z "$(ss -Htan "sport >= :$port and sport <= :$((port + 9))" 2>/dev/null)" ]] && break
  done
  [[ -n "$port" ]] || { echo "    no ten free ports in a row"; return 1; }
  mkdir -p "$dir"
  node "$here/podenv.js" "$render" StatefulSet/broker "$out/secret-material/secrets" "$dir/broker" >"$dir/broker.env" &&
    node "$here/podenv.js" "$render" Deployment/edge "$out/secret-material/secrets" "$dir/edge" >"$dir/edge.env" || return 1
  (
    source "$dir/broker.env"
    export ADMIN_BIND=127.0.0.1 ADMIN_PORT=$((port + 5))
    export BROKER_CLIENT_BIND=tcp://127.0.0.1:$port BROKER_WORKER_BIND=tcp://127.0.0.1:$((port + 1))
    export BROKER_XSUB_BIND=tcp://127.0.0.1:$((port + 2)) BROKER_XPUB_BIND=tcp://127.0.0.1:$((port + 3))
    exec "$build_dir/broker/$BINARY"
  ) >"$dir/broker.log" 2>&1 &
  pids+=($!)
  (
    source "$dir/edge.env"
    export ADMIN_BIND=127.0.0.1 ADMIN_PORT=$((port + 6)) EDGE_BIND=127.0.0.1 EDGE_PORT=$((port + 4))
    export EDGE_SHUTDOWN_DELAY_MS=0
    export BUS_CLIENT_ENDPOINT=tcp://127.0.0.1:$port REDIS_HOST=127.0.0.1 REDIS_PORT=$((port + 9))
    exec "$build_dir/edge-http/$BINARY"
  ) >"$dir/edge.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$((port + 6))/health/ready" 2>/dev/null; then
      rc=0
      break
    fi
    sleep 0.1
  done
  kill "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  if ((rc != 0)); then
    echo "    the edge never turned ready; its log, then the broker's:"
    tail -n 5 "$dir/edge.log" "$dir/broker.log" | sed 's/^/    /'
  fi
  return $rc
}
if ((${#secrets[@]})) && [[ -x "$build_dir/edge-http/edge" && -x "$build_dir/broker/broker" ]] && command -v curl >/dev/null; then
  pod_smoke "${renders[0]#*=}"
  result $? "pods as mounted: broker and edge from ${renders[0]%%=*}'s env and Secrets talk CURVE, edge ready"
else
  echo "# no built broker and edge in $build_dir (or no Secrets, or no curl): the pods' files are not tried"
fi

# The key material was throwaway: do not leave private keys lying around.
rm -rf "$out/secret-material"

echo "deploy: $passed passed, $failed failed"
((failed == 0))
