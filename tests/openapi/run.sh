#!/usr/bin/env bash
# run.sh lint|contract -- the tests of schemas/openapi.json, with the npm packages pinned in
# package-lock.json (installed by `npm ci` when missing or older than the lock):
#   lint      Redocly's linter (rules: redocly.yaml, the recommended set with warnings as
#             errors), then a copy with a dangling $ref, which must be refused (ctest
#             openapi.lint; no stack needed)
#   contract  contract.js against the running edge at TEST_EDGE_URL: every operation
#             exercised, every answer's status and body checked against the document (ctest
#             integration.openapi_contract)
# Fails (not skips) without node/npm: the suite promises a validated description.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
doc="$root/schemas/openapi.json"
mode="${1:-}"
[[ "$mode" == lint || "$mode" == contract ]] || { echo "usage: $0 lint|contract" >&2; exit 2; }

command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "openapi: no node/npm here (scripts/install-deps.sh installs them)"; exit 1; }

# npm ci again only when the lock changed, so a machine that has the packages needs no
# registry; --prefer-offline uses npm's cache first. The lock keeps two runs (the lint
# and the contract) from installing at once.
stamp="$here/node_modules/.package-lock.json"
(
  flock 9
  if [[ ! -f "$stamp" || "$here/package-lock.json" -nt "$stamp" ]]; then
    cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  fi
) 9>"$here/.npm-ci.lock" || { echo "openapi: npm ci failed (no registry and no node_modules?)"; exit 1; }

if [[ "$mode" == contract ]]; then
  exec node "$here/contract.js" "${TEST_EDGE_URL:?TEST_EDGE_URL: where the edge answers}"
fi

redocly=("$here/node_modules/.bin/redocly" lint --config "$here/redocly.yaml")
if ! "${redocly[@]}" "$doc"; then
  echo "openapi: schemas/openapi.json does not pass the lint"
  exit 1
fi
broken="$(mktemp --suffix=.json)"
trap 'rm -f "$broken"' EXIT
node -e '
  const fs = require("fs");
  const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  d.paths["/api/orders"].post.responses["201"] = { $ref: "#/components/responses/Nothing" };
  fs.writeFileSync(process.argv[2], JSON.stringify(d));
' "$doc" "$broken"
if "${redocly[@]}" "$broken" >/dev/null 2>&1; then
  echo "openapi: the lint passed a document with a dangling \$ref"
  exit 1
fi
echo "openapi: schemas/openapi.json is valid; a broken copy is refused"
