#!/usr/bin/env bash
# check.sh -- the whiteboard's layering rules (docs/ARCHITECTURE.md, "Layering"), checked
# on the sources, the CMake files and, when given, the linked binaries:
#   1. common knows no process: common/ includes only its own headers, links no process;
#   2. a process's code includes only its own headers and common's (no process reaches
#      into another: orders never sees users, the edge no service);
#   3. services never see HTTP: civetweb.h only in edge-http/ and common/admin.c (the admin
#      port), libwebsockets.h only in services/notify/, no service links civetweb;
#   4. the edge holds no business rules: it never reads the database (no libpq, db.h);
#   5. orders never links users: no users_ symbol in the orders binary.
# usage: check.sh SOURCE_DIR [ORDERS_BINARY]   exit 1 on any violation, listed on stderr.
#        check.sh --self-test SOURCE_DIR       breaks a copy once per rule: each must fail.
set -uo pipefail

check() {
  local root=$1 orders_bin=${2:-} bad=0
  fail() { echo "layering: $*" >&2; bad=1; }
  # quoted includes of DIR that are in neither DIR nor ALLOWED (a list of folders)
  foreign_includes() {
    local dir=$1; shift
    local f h ok d
    while IFS=: read -r f h; do
      h=${h#*\"}; h=${h%%\"*}
      ok=0
      for d in "$dir" "$@"; do [[ -f "$d/$h" ]] && ok=1; done
      ((ok)) || echo "$f: #include \"$h\""
    done < <(grep -HoE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*"' "$dir"/*.[ch] 2>/dev/null)
  }
  local hits
  hits=$(foreign_includes "$root/common")
  [[ -z "$hits" ]] || fail "common includes a process's header (rule 1):"$'\n'"$hits"
  if grep -Eq '(_core|edge|broker)\b' <(grep -E 'target_link_libraries\(common' "$root/common/CMakeLists.txt"); then
    fail "common/CMakeLists.txt links a process library (rule 1)"
  fi
  local proc
  for proc in "$root/broker" "$root/edge-http" "$root"/services/*/; do
    proc=${proc%/}
    hits=$(foreign_includes "$proc" "$root/common")
    [[ -z "$hits" ]] || fail "${proc#"$root"/} includes another process's header (rule 2):"$'\n'"$hits"
  done
  hits=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"]civetweb\.h[>"]' "$root/common" "$root/broker" "$root/services" \
         --include='*.[ch]' | grep -v '/common/admin\.c$')
  [[ -z "$hits" ]] || fail "civetweb.h outside the edge and the admin port (rule 3):"$'\n'"$hits"
  hits=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"]libwebsockets\.h[>"]' "$root/common" "$root/broker" \
         "$root/edge-http" "$root/services" --include='*.[ch]' | grep -v '/services/notify/')
  [[ -z "$hits" ]] || fail "libwebsockets.h outside notify (rule 3):"$'\n'"$hits"
  hits=$(grep -lE 'civetweb|edge_core' "$root"/services/*/CMakeLists.txt "$root/broker/CMakeLists.txt")
  [[ -z "$hits" ]] || fail "a service or the broker links CivetWeb or the edge (rule 3):"$'\n'"$hits"
  hits=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"](libpq-fe\.h|db\.h)[>"]' "$root/edge-http" --include='*.[ch]')
  [[ -z "$hits" ]] || fail "the edge reads the database (rule 4):"$'\n'"$hits"
  hits=$(grep -lE '(users|orders|messages|notify)_core' "$root/edge-http/CMakeLists.txt")
  [[ -z "$hits" ]] || fail "the edge links a service (rule 4)"
  hits=$(grep -lE 'users_core' "$root/services/orders/CMakeLists.txt")
  [[ -z "$hits" ]] || fail "orders links users (rule 5)"
  if [[ -n "$orders_bin" ]]; then
    if [[ ! -x "$orders_bin" ]]; then
      fail "no orders binary at $orders_bin"
    elif nm "$orders_bin" | grep -Eq ' [TtDdBbRr] users_'; then
      fail "the orders binary holds users code (rule 5): $(nm "$orders_bin" | grep -E ' [TtDdBbRr] users_' | head -3 | tr '\n' ' ')"
    fi
  fi
  return "$bad"
}

# Each breakage on a fresh copy of the sources the rules read; the check must fail on
# every one (a check that cannot fail proves nothing).
self_test() {
  local root=$1 tmp rc=0 name
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  local -a names=(common-includes-edge orders-includes-users service-includes-civetweb
                  edge-reads-db orders-links-users notify-elsewhere)
  for name in "${names[@]}"; do
    rm -rf "$tmp/src"; mkdir -p "$tmp/src/services"
    cp -r "$root/common" "$root/broker" "$root/edge-http" "$tmp/src/"
    cp -r "$root"/services/* "$tmp/src/services/"
    case $name in
      common-includes-edge) echo '#include "edge_route.h"' >> "$tmp/src/common/log.c" ;;
      orders-includes-users) echo '#include "users_row.h"' >> "$tmp/src/services/orders/orders_app.c" ;;
      service-includes-civetweb) echo '#include <civetweb.h>' >> "$tmp/src/services/messages/messages_app.c" ;;
      edge-reads-db) echo '#include "db.h"' >> "$tmp/src/edge-http/edge_cache.c" ;;
      orders-links-users) echo 'target_link_libraries(orders_core PUBLIC users_core)' >> "$tmp/src/services/orders/CMakeLists.txt" ;;
      notify-elsewhere) echo '#include <libwebsockets.h>' >> "$tmp/src/services/users/users_app.c" ;;
    esac
    if check "$tmp/src" 2>/dev/null; then
      echo "layering self-test: the check passed a tree broken by $name" >&2
      rc=1
    fi
  done
  check "$root" || { echo "layering self-test: the real tree fails" >&2; rc=1; }
  ((rc == 0)) && echo "layering self-test: every breakage caught (${#names[@]})"
  return "$rc"
}

if [[ "${1:-}" == --self-test ]]; then
  self_test "${2:?usage: check.sh --self-test SOURCE_DIR}"
else
  check "${1:?usage: check.sh SOURCE_DIR [ORDERS_BINARY]}" "${2:-}" && echo "layering: ok"
fi
