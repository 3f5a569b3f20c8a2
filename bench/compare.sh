#!/usr/bin/env bash
# compare.sh REV_A REV_B [SCENARIO ...] -- the regression guard: builds two commits (any
# git revision; WORKTREE for the files as they are now) in build folders of their own,
# then runs bench/run.sh on each, alternating A B A B (BENCH_ROUNDS, 2), on this machine,
# and prints per scenario the mean requests/s and p99 of each and the ratio B/A. Absolute
# figures vary from one machine and one day to the next; two builds measured back to back
# on the same machine do not, much: a change shows its effect as a ratio.
#
#   bench/compare.sh HEAD~1 HEAD users_get orders_create
#   bench/compare.sh main WORKTREE           (every wrk scenario)
#   BENCH_DURATION=10s BENCH_ROUNDS=3 bench/compare.sh v1 v2 users_me
#   BENCH_FSYNC_DELAY_MS="0 3" bench/compare.sh main WORKTREE orders_create
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
[[ $# -ge 2 ]] || { sed -n '2,13p' "$0" >&2; exit 2; }
REV_A="$1" REV_B="$2"
shift 2
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=(health users_get users_me orders_create orders_get messages_send
  messages_spread)
ROUNDS="${BENCH_ROUNDS:-2}"
WORK="$ROOT_DIR/.data/compare"
mkdir -p "$WORK"

"$ROOT_DIR/scripts/install-deps.sh" >/dev/null

# Builds REV into $WORK/build-<label>; the source of WORKTREE is this checkout itself.
build_rev() {
  local label="$1" rev="$2" src
  if [[ "$rev" == WORKTREE ]]; then
    src="$ROOT_DIR"
  else
    src="$WORK/src-$label"
    rm -rf "$src"
    git -C "$ROOT_DIR" worktree remove --force "$src" 2>/dev/null || true
    git -C "$ROOT_DIR" worktree add --detach "$src" "$rev" >/dev/null
  fi
  cmake -S "$src" -B "$WORK/build-$label" >/dev/null
  cmake --build "$WORK/build-$label" -j"$(nproc)" >/dev/null
  echo "$src"
}
SRC_A=$(build_rev a "$REV_A")
SRC_B=$(build_rev b "$REV_B")

# One run of a build's own bench/run.sh (so each side measures with its own scripts).
run_one() {
  local label="$1" src="$2" out="$3"
  BUILD_DIR="$WORK/build-$label" BENCH_STACK_DIR="$WORK/stack" \
    "$src/bench/run.sh" "${SCENARIOS[@]}" >"$out" 2>&1
}
for ((r = 1; r <= ROUNDS; r++)); do
  run_one a "$SRC_A" "$WORK/a.$r.txt"
  run_one b "$SRC_B" "$WORK/b.$r.txt"
done

# The mean of column COL (2: req/s, 4: p99 ms) of SCENARIO's rows in LABEL's runs.
mean() {
  awk -v s="$2" -v c="$3" 'FNR == 1 { cpu = 0 } /^CPU ms/ { cpu = 1 }
    !cpu && $1 == s && NF >= 7 { t += $c; n++ } END { printf "%.2f", n ? t / n : 0 }' \
    "$WORK/$1".*.txt
}
printf 'A = %s, B = %s, %d rounds each, alternating, on %s\n' "$REV_A" "$REV_B" "$ROUNDS" "$(hostname)"
printf '%-17s %10s %10s %8s %10s %10s %8s\n' scenario "A req/s" "B req/s" "B/A" "A p99" "B p99" "B/A"
# The rows run.sh printed: each scenario at each BENCH_FSYNC_DELAY_MS (label s@Nms beyond 0).
read -r -a DELAYS <<<"${BENCH_FSYNC_DELAY_MS:-0}"
((${#DELAYS[@]})) || DELAYS=(0)
LABELS=()
for d in "${DELAYS[@]}"; do
  for s in "${SCENARIOS[@]}"; do
    if [[ "$d" == 0 ]]; then LABELS+=("$s"); else LABELS+=("$s@${d}ms"); fi
  done
done
for s in "${LABELS[@]}"; do
  ra=$(mean a "$s" 2) rb=$(mean b "$s" 2) pa=$(mean a "$s" 4) pb=$(mean b "$s" 4)
  awk -v s="$s" -v ra="$ra" -v rb="$rb" -v pa="$pa" -v pb="$pb" 'BEGIN {
    printf "%-17s %10.0f %10.0f %8.2f %10.2f %10.2f %8.2f\n", s, ra, rb, (ra > 0) ? rb / ra : 0,
           pa, pb, (pa > 0) ? pb / pa : 0 }'
done
for label in a b; do
  [[ -d "$WORK/src-$label" ]] && git -C "$ROOT_DIR" worktree remove --force "$WORK/src-$label" || true
done
