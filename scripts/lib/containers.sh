# shellcheck shell=bash
# containers.sh -- podman and buildah set up for this machine, with their storage inside
# the project's data folder. Sourced by scripts/images.sh and tests/images/smoke.sh, never
# run. Exports CONTAINERS_CONF and CONTAINERS_STORAGE_CONF, which both tools read.
#
# Why the configuration is ours and not the system's (docs: deploy/README.md):
# - crun, podman's default runtime on Debian 12, refuses this kind of machine's hybrid
#   cgroup layout ("cgroups in hybrid mode not supported"): runc does not.
# - podman's default ulimits are above the hard limits here, and raising a limit is not
#   permitted ("setrlimit RLIMIT_NOFILE: Operation not permitted"): ask for what we have.
# - graphroot and runroot under .data/containers keep images and layers with the checkout
#   (and out of /var/lib/containers, which other projects on the machine may use).

CTR_ROOT="${CTR_ROOT:-$ROOT_DIR/.data/containers}"
CTR_ETC="$CTR_ROOT/etc"
export CONTAINERS_CONF="$CTR_ETC/containers.conf"
export CONTAINERS_STORAGE_CONF="$CTR_ETC/storage.conf"
# The open-files limit a container gets: this machine's hard limit, and plenty for notify.
CTR_NOFILE="${CTR_NOFILE:-20000}"
CTR_NPROC="${CTR_NPROC:-32768}"

# Writes the two files (every time: they are cheap, and a moved checkout gets its paths).
ctr_configure() {
  mkdir -p "$CTR_ETC" "$CTR_ROOT/storage" "$CTR_ROOT/run"
  cat >"$CONTAINERS_CONF.tmp" <<EOF
# Written by scripts/lib/containers.sh: podman/buildah on this machine.
[containers]
default_ulimits = ["nofile=$CTR_NOFILE:$CTR_NOFILE", "nproc=$CTR_NPROC:$CTR_NPROC"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
  cat >"$CONTAINERS_STORAGE_CONF.tmp" <<EOF
# Written by scripts/lib/containers.sh: images and layers inside the project's data folder.
[storage]
driver = "overlay"
graphroot = "$CTR_ROOT/storage"
runroot = "$CTR_ROOT/run"
EOF
  mv "$CONTAINERS_STORAGE_CONF.tmp" "$CONTAINERS_STORAGE_CONF"
}

# True when podman is installed and can run a container here at all (root, a runtime).
# Prints why not on stderr. An image is needed for the real proof: see ctr_can_run.
ctr_usable() {
  if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    echo "podman or runc is not installed (scripts/install-deps.sh installs both)" >&2
    return 1
  fi
  if ((EUID != 0)); then
    echo "not root: this set-up runs podman as root (rootless needs subuids we do not set up)" >&2
    return 1
  fi
  ctr_configure
  if ! podman info >/dev/null 2>"$CTR_ROOT/podman-info.err"; then
    echo "podman info fails: $(tail -n 3 "$CTR_ROOT/podman-info.err")" >&2
    return 1
  fi
}

# True when IMAGE exists in our storage.
ctr_image_exists() {
  podman image exists "$1"
}
