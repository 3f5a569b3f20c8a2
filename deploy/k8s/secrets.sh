#!/usr/bin/env bash
# secrets.sh -- makes the Secrets the manifests name, as YAML files to `kubectl apply -f`
# (never commit them): busd-secrets (DATABASE_URL, REDIS_PASSWORD, the first admin),
# busd-jwt (the RS256 key pair), busd-curve-public and busd-curve-<role> (the bus's CURVE
# certificates, common/bus_security.h). Works offline: `kubectl create --dry-run=client`.
#
#   DATABASE_URL='host=... dbname=busd user=busd password=... sslmode=require' \
#   REDIS_PASSWORD=... [ADMIN_EMAIL=... ADMIN_PASSWORD=...] deploy/k8s/secrets.sh OUTDIR
#
# OUTDIR keeps the key material (OUTDIR/curve, OUTDIR/jwt): running it again reuses it,
# so the Secrets stay the same unless you remove those folders (a rotation: every pod
# then needs a restart). REDIS_PASSWORD is generated when unset (set the same on Redis).
# bus-keygen is taken from BUS_KEYGEN, else build/broker/bus-keygen, else the PATH.
set -euo pipefail

out="${1:?usage: secrets.sh OUTDIR}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
ns="${NAMESPACE:-busd}"
roles=(broker edge users orders messages notify)

keygen="${BUS_KEYGEN:-}"
if [[ -z "$keygen" ]]; then
  if [[ -x "$root/build/broker/bus-keygen" ]]; then
    keygen="$root/build/broker/bus-keygen"
  else
    keygen="$(command -v bus-keygen || true)"
  fi
fi
[[ -x "$keygen" ]] || { echo "secrets.sh: no bus-keygen (build the project or set BUS_KEYGEN)" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "secrets.sh: kubectl is needed" >&2; exit 1; }
command -v openssl >/dev/null || { echo "secrets.sh: openssl is needed" >&2; exit 1; }
[[ -n "${DATABASE_URL:-}" ]] || { echo "secrets.sh: set DATABASE_URL (libpq conninfo)" >&2; exit 1; }

umask 077
mkdir -p "$out/curve" "$out/jwt" "$out/secrets"
"$keygen" "$out/curve" "${roles[@]}" >/dev/null
if [[ ! -s "$out/jwt/private.pem" ]]; then
  openssl genrsa -out "$out/jwt/private.pem" 2048 2>/dev/null
  openssl rsa -in "$out/jwt/private.pem" -pubout -out "$out/jwt/public.pem" 2>/dev/null
fi
if [[ -z "${REDIS_PASSWORD:-}" ]]; then
  if [[ ! -s "$out/redis-password" ]]; then
    openssl rand -hex 24 >"$out/redis-password"
  fi
  REDIS_PASSWORD="$(cat "$out/redis-password")"
  echo "secrets.sh: REDIS_PASSWORD generated in $out/redis-password: set it on Redis (requirepass)"
fi

create() { kubectl create secret generic "$@" -n "$ns" --dry-run=client -o yaml; }

args=(--from-literal=DATABASE_URL="$DATABASE_URL" --from-literal=REDIS_PASSWORD="$REDIS_PASSWORD")
if [[ -n "${ADMIN_EMAIL:-}" && -n "${ADMIN_PASSWORD:-}" ]]; then
  args+=(--from-literal=ADMIN_EMAIL="$ADMIN_EMAIL" --from-literal=ADMIN_PASSWORD="$ADMIN_PASSWORD")
fi
create busd-secrets "${args[@]}" >"$out/secrets/busd-secrets.yaml"
create busd-jwt --from-file=private.pem="$out/jwt/private.pem" \
  --from-file=public.pem="$out/jwt/public.pem" >"$out/secrets/busd-jwt.yaml"
pub=()
for role in "${roles[@]}"; do
  pub+=(--from-file="$role.cert=$out/curve/public/$role.cert")
  create "busd-curve-$role" --from-file="$role.cert=$out/curve/secret/$role.cert" \
    >"$out/secrets/busd-curve-$role.yaml"
done
create busd-curve-public "${pub[@]}" >"$out/secrets/busd-curve-public.yaml"
echo "secrets.sh: $(ls "$out/secrets" | wc -l) Secrets in $out/secrets: kubectl apply -f $out/secrets"
