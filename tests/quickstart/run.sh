#!/usr/bin/env bash
# run.sh -- the README's quick start, run as written: the commands of the ```sh blocks
# between <!-- quickstart:begin --> and <!-- quickstart:end --> in README.md, in one bash
# that stops at the first failure, against a running stack; then checks that what the
# README says happens did happen. Extracting them at test time means the doc and this
# test cannot drift apart.
#
# Reads TEST_EDGE_URL and TEST_WS_URL (scripts/test.sh sets them; the README's API and WS
# default to up.sh's ports) and TEST_BUILD_DIR (the build whose examples/ws_listen runs:
# the commands run in a scratch folder whose build/ points there, as if at the repository
# root). Registered in tests/CMakeLists.txt as integration.quickstart.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
api="${TEST_EDGE_URL:?TEST_EDGE_URL: where the edge answers}"
ws="${TEST_WS_URL:?TEST_WS_URL: the ws:// URL of notify}"
build="${TEST_BUILD_DIR:-$root/build}"

for tool in curl jq timeout; do
  command -v "$tool" >/dev/null || { echo "quickstart: $tool is missing (scripts/install-deps.sh)"; exit 1; }
done
[[ -x "$build/examples/ws_listen" ]] || { echo "quickstart: no $build/examples/ws_listen"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ln -s "$build" "$work/build"
awk '/<!-- quickstart:begin -->/ { on = 1; next }
     /<!-- quickstart:end -->/   { on = 0 }
     on && /^```sh$/ { code = 1; next }
     on && /^```$/   { code = 0; next }
     on && code' "$root/README.md" >"$work/quickstart.sh"
if [[ ! -s "$work/quickstart.sh" ]]; then
  echo "quickstart: no commands between the markers in README.md"
  exit 1
fi

# As a reader pastes them, with errexit so that a failing step stops the run here; the
# variables the walk-through set are kept for the checks. Bounded: ws_listen has its own
# 30 s timeout, the whole run 120 s.
(cd "$work" && API="$api" WS="$ws" timeout 120 bash -c '
  set -euo pipefail
  source ./quickstart.sh
  declare -p ALICE_TOKEN BOB_TOKEN BOB_ID KEY SINCE >vars.sh' >"$work/out.txt" 2>"$work/err.txt")
rc=$?
echo "--- the quick start's output"
cat "$work/out.txt"
if ((rc != 0)); then
  echo "--- stderr"
  cat "$work/err.txt"
  echo "quickstart: the README's commands failed (exit $rc)"
  exit 1
fi
# shellcheck disable=SC1091
source "$work/vars.sh"

passed=0
failed=0
check() { # DESCRIPTION COMMAND...
  local what="$1"
  shift
  if "$@" >/dev/null 2>&1; then
    passed=$((passed + 1)); echo "ok - $what"
  else
    failed=$((failed + 1)); echo "not ok - $what"
  fi
}
line() { sed -n "${1}p" "$work/out.txt"; }
jqt() { # LINE FILTER: FILTER is true on that output line
  line "$1" | jq -e "$2"
}

check "13 lines of output, as the README's steps print them" test "$(wc -l <"$work/out.txt")" -eq 13
check "register answered Alice's user" jqt 1 '.name == "Alice" and (.email | startswith("alice.")) and .role == "user"'
check "tokens for both" test -n "$ALICE_TOKEN" -a "$ALICE_TOKEN" != null -a -n "$BOB_TOKEN" -a "$BOB_TOKEN" != null
check "Bob's id is an id" test "$BOB_ID" -gt 0
check "GET /api/auth/me with the token: Alice" jqt 2 '.name == "Alice"'
check "GET /api/auth/me without it: 401 Missing token" jqt 3 '.statusCode == 401 and .error == "UNAUTHORIZED" and .message == "Missing token"'
check "the order: amount 12.50, pending" jqt 4 '.id > 0 and .amount == "12.50" and .status == "pending"'
check "the repeat with the same Idempotency-Key: the same order" test "$(line 4)" == "$(line 5)"
orders=$(curl -sS "$api/api/orders" -H "Authorization: Bearer $ALICE_TOKEN" | jq '.data | length')
check "Alice has exactly one order (created once)" test "$orders" == 1
check "the message to Bob" jqt 6 '.text == "Hi Bob" and .receiver_type == "user" and .is_read == false'
check "Bob's socket: ready first" jqt 7 '.event == "ready"'
check "then new_message: Alice's message" jqt 8 '.event == "new_message" and .data.text == "Hi Bob"'
check "then its notification" jqt 9 '.event == "notification" and .data.type == "new_message" and .data.message.text == "Hi Bob"'
check "SINCE is that notification's id" test "$SINCE" == "$(line 9 | jq .data.id)"
second=$(line 10)
check "the second message was stored" test "$second" -gt 0
check "the resume replays the missed message" jqt 11 ".event == \"new_message\" and .data.id == $second and .data.text == \"Are you there?\""
check "and its notification, after SINCE" jqt 12 ".event == \"notification\" and .data.id > $SINCE and .data.message_id == $second"
check "then ready (nothing seen before SINCE again)" jqt 13 '.event == "ready"'

echo "quickstart: $passed passed, $failed failed"
((failed == 0))
