# Dockerfile -- the one image of every busd process (deploy/README.md): the container's
# command names the binary, e.g. `podman run localhost/busd:dev edge`.
# Built here by scripts/images.sh with podman, offline: debian:12-slim is a local image
# made with debootstrap, and apt reaches Debian's mirrors.

# --- build: compilers and -dev packages, the processes only (no tests, fuzzers, benches)
FROM debian:12-slim AS build
# The -dev packages of the libraries the processes link (scripts/install-deps.sh lists
# the same, plus what only the tests and tools need).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libzmq3-dev libczmq-dev libmsgpack-dev libcivetweb-dev libjwt-dev libpq-dev \
      libhiredis-dev libjson-c-dev libwebsockets-dev libev-dev libcrypt-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the build reads, so an edit to docs or tests reuses the layers above and below.
COPY CMakeLists.txt ./
COPY common common
COPY schemas schemas
COPY broker broker
COPY edge-http edge-http
COPY services services
COPY deploy/image/runtime-packages.sh /usr/local/sbin/
# Two jobs: the build machines are shared (raise it with --build-arg JOBS=N elsewhere).
ARG JOBS=2
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUSD_BUILD_TESTS=OFF \
 && cmake --build /build -j"$JOBS" \
 && DESTDIR=/out cmake --install /build --strip \
 && runtime-packages.sh /out/usr/local/bin/* >/out/runtime-packages.txt \
 && echo "runtime packages:" $(cat /out/runtime-packages.txt)

# --- runtime: the shared libraries the binaries name, tini, and what is loaded with dlopen:
# notify's event loop is lws's libev plugin (libwebsockets-evlib_ev.so), which no ELF
# NEEDED entry names (services/notify/README.md, "Event loop")
FROM debian:12-slim
COPY --from=build /out/runtime-packages.txt /usr/local/share/busd/runtime-packages.txt
# upgrade: the local base is a debootstrap of the release (made once per machine, so it
# can be months old); the runtime takes bookworm-security's and -updates' fixes now.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
      libwebsockets-evlib-ev \
      $(cat /usr/local/share/busd/runtime-packages.txt) \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
# A numeric uid and gid (10001) that no Debian package uses: runAsNonRoot can check it.
RUN groupadd --gid 10001 busd \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin busd
COPY --from=build /out/usr/local/ /usr/local/
# Every binary's libraries resolve here, or the build fails now rather than a pod later.
RUN for bin in /usr/local/bin/*; do \
      if ldd "$bin" | grep 'not found'; then echo "$bin: missing libraries" >&2; exit 1; fi; \
    done
USER 10001:10001
# Nothing is written outside /tmp (an emptyDir or tmpfs under a read-only root).
WORKDIR /tmp
# tini is PID 1: SIGTERM reaches the process (a graceful stop), zombies are reaped.
ENTRYPOINT ["/usr/bin/tini", "--"]
# No default process: the command names the binary.
CMD []
