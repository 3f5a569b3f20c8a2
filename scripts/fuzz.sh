#!/usr/bin/env bash
# fuzz.sh [SECONDS] [TARGET...] -- builds the libFuzzer targets of tests/fuzz (clang, ASan,
# UBSan) in build-fuzz/ and runs each for SECONDS (default 20; test.sh runs them that
# long, a longer hunt is e.g. `fuzz.sh 3600 json`). Every run first replays the target's
# corpus in the repository (tests/fuzz/corpus/<target>/: seeds, and every input that
# ever crashed a target, kept as a regression test); inputs it finds go to
# .data/fuzz/<target>/ (not the repository), crashes to .data/fuzz/crashes/.
# Exits non-zero when a target crashed, leaked, timed out or ran out of memory.
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH="${1:-20}"
shift || true
ALL=(envelope json sanitize token access_token form http notify)
TARGETS=("${@:-${ALL[@]}}")
BUILD="$ROOT_DIR/build-fuzz"
WORK="$ROOT_DIR/.data/fuzz"

if ! command -v clang >/dev/null; then
  echo "fuzz.sh: clang is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
CC=clang cmake -S "$ROOT_DIR" -B "$BUILD" -DFUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]/#/fuzz_}" >/dev/null

# Leaks in system libraries we cannot fix, as in the sanitizer round.
export LSAN_OPTIONS="suppressions=$ROOT_DIR/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$WORK/crashes"
passed=0
failed=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$WORK/$t"
  log="$WORK/$t.log"
  # Bodies and strings up to the edge's limits are worth trying; the rest stays small.
  max_len=4096
  [[ "$t" == json || "$t" == sanitize ]] && max_len=65536
  if "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
      -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1 \
      -artifact_prefix="$WORK/crashes/$t-" "$WORK/$t" "$ROOT_DIR/tests/fuzz/corpus/$t" \
      >"$log" 2>&1; then
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    echo "fuzz.sh: $t passed ($execs runs in ${SECONDS_EACH} s)"
    passed=$((passed + 1))
  else
    echo "fuzz.sh: $t FAILED; the input is in $WORK/crashes/ (log: $log):" >&2
    grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5 >&2 || true
    echo "fuzz.sh: once fixed, copy that input into tests/fuzz/corpus/$t/ as a regression test" >&2
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
