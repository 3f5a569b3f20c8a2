#!/usr/bin/env bash
# run.sh -- lints schemas/openapi.json with Redocly's CLI (pinned in package-lock.json;
# rules in redocly.yaml: the recommended set, warnings as errors), then proves the lint
# can fail: a copy whose order creation answers with a reference to nothing must be refused.
# Fails (not skips) without node/npm: the suite promises a validated description.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
doc="$root/schemas/openapi.json"

command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "openapi: no node/npm here (scripts/install-deps.sh installs them)"; exit 1; }

# npm ci again only when the lock changed, so a machine that has the packages needs no
# registry; --prefer-offline uses npm's cache first.
stamp="$here/node_modules/.package-lock.json"
if [[ ! -f "$stamp" || "$here/package-lock.json" -nt "$stamp" ]]; then
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) ||
    { echo "openapi: npm ci failed (no registry and no node_modules?)"; exit 1; }
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
