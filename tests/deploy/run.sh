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
# The key material was throwaway: do not leave private keys lying around.
rm -rf "$out/secret-material"

echo "deploy: $passed passed, $failed failed"
((failed == 0))
