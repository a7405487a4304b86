#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions are called through util::timed and traps
# scripts/platform/k8s.sh, daemon processes: start one in its own session with its pid recorded, wait for a
# condition, end one (SIGTERM, then SIGKILL). Sourced by k8s.sh.

# k8s::pid_of NAME: the pid recorded for NAME when that process still runs the binary we started.
k8s::pid_of() {
  local file="${K8S_PIDS}/$1.pid" pid exe
  [[ -s "$file" ]] || return 1
  read -r pid exe <"$file"
  [[ -d "/proc/$pid" && "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]] || return 1
  printf '%s\n' "$pid"
}

# k8s::spawn NAME BINARY ARGS...: starts a daemon in its own session (it outlives this script and ignores the
# caller's terminal) and records its pid and binary. (No lock is held on a descriptor it could inherit:
# util::hold_lock.)
k8s::spawn() {
  local name="$1" bin="$2"; shift 2
  local exe
  exe=$(readlink -f "$(command -v "$bin")")
  : >"${K8S_LOGS}/${name}.log"
  setsid "$exe" "$@" >>"${K8S_LOGS}/${name}.log" 2>&1 </dev/null &
  local pid=$! i
  printf '%s %s\n' "$pid" "$exe" >"${K8S_PIDS}/${name}.pid"
  # setsid execs the daemon in place (no fork: a background job is no group leader); wait until it has.
  for ((i = 0; i < 50; i++)); do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" || ! -d "/proc/$pid" ]] && break
    sleep 0.05
  done
  util::print::info "${name}: pid ${pid} (log: ${K8S_LOGS}/${name}.log)"
}

# k8s::wait_for STEP CHECK...: runs CHECK until it succeeds, up to K8S_START_TIMEOUT seconds; names the step and
# shows the end of its log when it does not.
k8s::wait_for() {
  local step="$1"; shift
  local waited=0
  until "$@" >/dev/null 2>&1; do
    if ! k8s::pid_of "$step" >/dev/null && [[ -f "${K8S_PIDS}/${step}.pid" ]]; then
      tail -n 30 "${K8S_LOGS}/${step}.log" >&2 || true
      util::die "step ${step}: the process exited (log: ${K8S_LOGS}/${step}.log)"
    fi
    if ((waited >= K8S_START_TIMEOUT * 10)); then
      tail -n 30 "${K8S_LOGS}/${step}.log" >&2 || true
      util::die "step ${step}: not ready after ${K8S_START_TIMEOUT}s ($*) (log: ${K8S_LOGS}/${step}.log)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# k8s::alive PID: the process exists and has not exited (an exited daemon stays a zombie until init reaps it).
k8s::alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# k8s::end NAME: SIGTERM, then SIGKILL after 20 s, to the process recorded for NAME (and only when it still runs
# the binary we started).
k8s::end() {
  local name="$1" pid i
  pid=$(k8s::pid_of "$name") || { rm -f "${K8S_PIDS}/${name}.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    k8s::alive "$pid" || break
    sleep 0.1
  done
  if k8s::alive "$pid"; then
    util::print::info "${name} (pid ${pid}) ignored SIGTERM for 20 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "${K8S_PIDS}/${name}.pid"
  util::print::info "${name}: stopped"
}
