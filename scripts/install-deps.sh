#!/usr/bin/env bash
# install-deps.sh -- the Debian 12 packages to build, run and test the system.
# Does nothing (and needs no network) when every package is already installed.
#
# The postgresql and redis-server packages come with system services of their own on the
# default ports 5432 and 6379. Ours never use those ports (see lib/env.sh), so the two
# can coexist; in a container their services do not even start.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config
  # libraries of the card, plus the edge's JSON, notify's WebSockets, the tests' HTTP client
  libzmq3-dev libczmq-dev libmsgpack-dev libcivetweb-dev libjwt-dev libpq-dev libhiredis-dev
  check libsubunit-dev libjson-c-dev libwebsockets-dev libcrypt-dev libcurl4-openssl-dev
  libssl-dev
  # notify's event loop: libev, and lws's plugin for it (loaded with dlopen, so named here)
  libev-dev libwebsockets-evlib-ev
  # servers of the local and test stacks; the local cluster's load balancer
  postgresql redis-server haproxy
  # load tests and scripts; jq for the README's quick start (tests/quickstart)
  wrk curl ca-certificates procps jq
  # promtool: the edge's integration test parses /metrics with it; test_observability
  # checks and unit-tests deploy/observability/alerts.yml with it
  prometheus
  # key pairs for the RS256 token tests
  openssl
  # the libFuzzer targets of tests/fuzz (scripts/fuzz.sh): clang and its fuzzer runtime
  clang libclang-rt-14-dev
  # the container image (scripts/images.sh, deploy/README.md): podman and buildah build and
  # run it; runc because crun refuses this kind of machine's hybrid cgroups; debootstrap
  # makes the Debian base offline from any registry; tini is the image's PID 1
  podman buildah runc debootstrap tini
  # the deploy test (tests/deploy): Node.js runs the Kubernetes schema validation
  # Node.js also runs the OpenAPI lint (tests/openapi: Redocly's CLI, pinned by npm)
  nodejs
)
# npm: Debian's package, unless an npm is already there (a Node.js build that ships its
# own npm, such as NodeSource's, conflicts with Debian's npm package).
if ! command -v npm >/dev/null; then
  PACKAGES+=(npm)
fi
# kubectl, which renders the overlays, is no Debian 12 package: the deploy test skips,
# and says so, where it is missing (deploy/README.md).

missing=()
for pkg in "${PACKAGES[@]}"; do
  if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]]; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi
echo "install-deps: missing ${missing[*]}"

SUDO=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
  SUDO=(sudo)
fi
# No debconf questions, ever: the script must run unattended on a fresh image.
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${PACKAGES[@]}"
