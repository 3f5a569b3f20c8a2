# shellcheck shell=bash
# proc.sh -- start a background process with a PID file, stop it by that PID, wait for it
# to answer. Sourced after env.sh (uses RUN_DIR and LOG_DIR).
#
# A PID file holds "PID EXE": the PID and the resolved binary it was started from, so a
# stale file whose PID the kernel gave to some other process is never signalled.

# True when the PID file of NAME names a live process running the recorded binary.
# Sets proc_pid to that PID.
proc_alive() {
  local file="$RUN_DIR/$1.pid" exe
  proc_pid=""
  [[ -s "$file" ]] || return 1
  read -r proc_pid exe <"$file" || true
  [[ "$proc_pid" =~ ^[0-9]+$ ]] || return 1
  # A binary rebuilt while its process runs shows as "PATH (deleted)": still ours.
  local running
  running=$(readlink "/proc/$proc_pid/exe" 2>/dev/null) || return 1
  [[ "${running% (deleted)}" == "$exe" ]]
}

# proc_spawn NAME BINARY [ARGS...]: starts BINARY in the background, output appended to
# LOG_DIR/NAME.log. setsid puts it in a session of its own, so a Ctrl-C in the terminal
# reaches only up.sh, which then stops everything in order.
proc_spawn() {
  local name="$1" bin="$2"
  shift 2
  # No job control in scripts, so the child is not a group leader and setsid execs in
  # place: $! is the process itself.
  setsid "$bin" "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  printf '%s %s\n' "$!" "$(readlink -f "$bin")" >"$RUN_DIR/$name.pid"
}

# proc_stop NAME: SIGTERM (graceful: finish what is in flight), then SIGKILL after
# PROC_STOP_TIMEOUT_S (10) seconds. Quiet when NAME is not running.
proc_stop() {
  local name="$1" deadline=$((SECONDS + ${PROC_STOP_TIMEOUT_S:-10}))
  if proc_alive "$name"; then
    kill -TERM "$proc_pid" 2>/dev/null || true
    while ((SECONDS < deadline)) && proc_alive "$name"; do
      sleep 0.1
    done
    if proc_alive "$name"; then
      echo "$name: still running after ${PROC_STOP_TIMEOUT_S:-10} s, killing it" >&2
      kill -KILL "$proc_pid" 2>/dev/null || true
    fi
    echo "$name: stopped"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# proc_wait_http NAME URL: waits until URL answers 2xx, for READY_TIMEOUT_S (60) seconds.
# Gives up at once, with the end of the log, when NAME's process has died.
proc_wait_http() {
  local name="$1" url="$2" deadline=$((SECONDS + ${READY_TIMEOUT_S:-60}))
  while ((SECONDS < deadline)); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      return 0
    fi
    if ! proc_alive "$name"; then
      echo "$name: exited during start-up; last lines of $LOG_DIR/$name.log:" >&2
      tail -n 20 "$LOG_DIR/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  echo "$name: $url did not answer within ${READY_TIMEOUT_S:-60} s; see $LOG_DIR/$name.log" >&2
  return 1
}

# True when PID is a live up.sh (its PID file may be stale, and PIDs are reused).
up_running() {
  [[ "$1" =~ ^[0-9]+$ ]] && grep -qa 'up\.sh' "/proc/$1/cmdline" 2>/dev/null
}
