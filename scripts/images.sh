#!/usr/bin/env bash
# images.sh -- the container image, built and run on this machine with podman, offline
# from any registry (deploy/README.md).
#
#   images.sh base     the Debian 12 base, tagged debian:12-slim locally, if missing
#   images.sh build    the base if missing, then localhost/busd:dev from the Dockerfile
#   images.sh smoke    build, then the smoke suite through the images (tests/images/smoke.sh)
#   images.sh clean    removes our container storage (.data/containers); keeps the cache
#   images.sh refresh-base   forgets the machine's cached base (and ours): the next build
#                      debootstraps a current one
#
# The base is made once per machine: debootstrap's result is kept as a tar file in
# BUSD_IMAGE_CACHE (/var/cache/busd), keyed by suite, variant and architecture, and
# imported into a checkout's storage from there, so a fresh clone (CI) pays a few seconds,
# not a debootstrap. A cold machine debootstraps once, within BASE_TIMEOUT_S (900).
set -euo pipefail
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT_DIR=$(cd "$SCRIPTS_DIR/.." && pwd)
export ROOT_DIR
# shellcheck source=lib/containers.sh
source "$SCRIPTS_DIR/lib/containers.sh"

SUITE=bookworm                     # Debian 12
BASE_TAG="localhost/debian:12-slim"
IMAGE="${IMAGE:-localhost/busd:dev}"
BUSD_IMAGE_CACHE="${BUSD_IMAGE_CACHE:-/var/cache/busd}"
BASE_TIMEOUT_S="${BASE_TIMEOUT_S:-900}"
BUILD_TIMEOUT_S="${BUILD_TIMEOUT_S:-1800}"

# The Debian mirror this machine's apt uses (the one that is reachable), else Debian's.
images_mirror() {
  local uri=""
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
    uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z "$uri" && -r /etc/apt/sources.list ]]; then
    uri=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# Makes the base's root filesystem in DIR and writes it as a tar file to OUT: debootstrap
# minbase, then what the official slim image does on top (no docs, man pages or locales,
# now or in later apt installs; no apt lists), with the apt sources of an official image.
images_debootstrap() {
  local dir="$1" out="$2" mirror
  mirror=$(images_mirror)
  echo "images: debootstrap $SUITE from $mirror (once per machine, a few minutes)"
  command -v debootstrap >/dev/null || { echo "images: debootstrap is not installed" >&2; return 1; }
  timeout "$BASE_TIMEOUT_S" debootstrap --variant=minbase "$SUITE" "$dir" "$mirror" \
    >"$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2; echo "images: debootstrap failed" >&2; return 1; }
  cat >"$dir/etc/dpkg/dpkg.cfg.d/busd-slim" <<'EOF'
# As debian:12-slim: no documentation in the image (copyright files stay).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  find "$dir/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
  rm -rf "$dir"/usr/share/{man,info,groff,lintian,linda}/* "$dir"/var/lib/apt/lists/* \
    "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb "$dir"/var/log/*.log
  find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  rm -f "$dir/etc/apt/sources.list"
  cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_SECURITY_MIRROR:-${mirror%/}-security}
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # debootstrap takes the release as it shipped: bring in -updates and -security now, so a
  # fresh base is current (the Dockerfile's runtime stage upgrades again, for an old cache).
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  if ! { chroot "$dir" apt-get update -q && DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get upgrade -y -q; } \
      >>"$dir.log" 2>&1; then
    tail -n 20 "$dir.log" >&2
    echo "images: apt-get upgrade in the base failed" >&2
    return 1
  fi
  chroot "$dir" apt-get clean
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/log/apt "$dir"/var/log/dpkg.log
  # The build host's name and resolver do not belong in an image (podman mounts its own).
  : >"$dir/etc/hostname"
  rm -f "$dir/etc/resolv.conf"
  tar --numeric-owner -C "$dir" -cf "$out.tmp" .
  mv "$out.tmp" "$out"
}

# Removes a root filesystem debootstrap was making. A debootstrap cut short (the timeout)
# can leave /proc, /sys or a bind mount of /dev mounted inside it: unmount those first,
# and never let rm cross into another filesystem.
images_rootfs_remove() {
  local dir="$1" mnt
  [[ -d "$dir" ]] || return 0
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done
  rm -rf --one-file-system "$dir"
}

# The base image: from our storage, else from the machine's cache, else debootstrapped
# into the cache first. One lock per cache folder, so two checkouts never debootstrap at
# once (the second waits, then finds the file).
images_base() {
  if ctr_image_exists "$BASE_TAG"; then
    echo "images: $BASE_TAG is there"
    return 0
  fi
  local cache="$BUSD_IMAGE_CACHE" arch tarball started=$SECONDS
  if ! mkdir -p "$cache" 2>/dev/null || [[ ! -w "$cache" ]]; then
    cache="$CTR_ROOT/cache"             # not root: a per-checkout cache still works
    mkdir -p "$cache"
  fi
  arch=$(dpkg --print-architecture)
  tarball="$cache/debian-$SUITE-minbase-$arch.tar"
  (
    flock -w "$BASE_TIMEOUT_S" 9 || { echo "images: $cache/.lock is held too long" >&2; exit 1; }
    if [[ ! -s "$tarball" ]]; then
      local dir="$cache/rootfs-$SUITE.$$"
      images_rootfs_remove "$dir"
      mkdir -p "$dir"
      trap 'images_rootfs_remove "$dir"; rm -f "$dir.log"' EXIT
      images_debootstrap "$dir" "$tarball"
      echo "images: base made in $((SECONDS - started)) s, kept in $tarball"
    else
      echo "images: base from the machine's cache $tarball"
    fi
  ) 9>"$cache/.lock"
  podman import -q --change 'CMD ["/bin/bash"]' "$tarball" "$BASE_TAG" >/dev/null
  echo "images: $BASE_TAG imported ($(podman image inspect -f '{{.Size}}' "$BASE_TAG") bytes)"
}

# The project's image, from the Dockerfile at the root; every process's binary is in it.
# --pull=never: nothing comes from a registry (the base is ours); --network host: apt in
# the build stage reaches the Debian mirror the host reaches, without a bridge.
images_build() {
  images_base
  local started=$SECONDS log="$CTR_ROOT/build.log"
  echo "images: building $IMAGE (log $log)"
  if ! timeout "$BUILD_TIMEOUT_S" podman build --pull=never --network host \
      -t "$IMAGE" -f "$ROOT_DIR/Dockerfile" "$ROOT_DIR" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "images: the build of $IMAGE failed (log $log)" >&2
    return 1
  fi
  grep -m 1 '^runtime packages:' "$log" | sed 's/^/images: /' || true
  echo "images: $IMAGE built in $((SECONDS - started)) s," \
    "$(podman image inspect -f '{{.Size}}' "$IMAGE") bytes"
}

case "${1:-}" in
  base|build|smoke)
    ctr_usable || { echo "images: podman cannot run here" >&2; exit 3; }
    ;;
esac
case "${1:-}" in
  base) images_base ;;
  build) images_build ;;
  smoke)
    images_build
    exec "$ROOT_DIR/tests/images/smoke.sh"
    ;;
  refresh-base)
    ctr_configure
    podman rmi -f "$BASE_TAG" >/dev/null 2>&1 || true
    rm -f "$BUSD_IMAGE_CACHE/debian-$SUITE-minbase-$(dpkg --print-architecture).tar" \
      "$CTR_ROOT/cache/debian-$SUITE-minbase-$(dpkg --print-architecture).tar"
    echo "images: the base will be debootstrapped again by the next build"
    ;;
  clean)
    ctr_configure
    podman rm -a -f >/dev/null 2>&1 || true
    podman system reset -f >/dev/null 2>&1 || true
    rm -rf "$CTR_ROOT"
    ;;
  *) echo "usage: $0 base|build|smoke|clean|refresh-base" >&2; exit 2 ;;
esac
