#!/usr/bin/env bash
# build.sh [--sanitize] -- configure and build everything: build/, or build-asan/ with
# AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)

case "${1:-}" in
  "") build_dir="$ROOT_DIR/build"; flags=() ;;
  --sanitize) build_dir="$ROOT_DIR/build-asan"; flags=(-DSANITIZE=ON) ;;
  *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
esac

cmake -S "$ROOT_DIR" -B "$build_dir" "${flags[@]}"
cmake --build "$build_dir" -j"$(nproc)"
