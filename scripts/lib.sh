#!/usr/bin/env bash
# Shared helpers for tilt-live's scripts: strict mode, pinned versions, the cache root and scribe-style output.
set -Eeuo pipefail

TILT_LIVE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "${TILT_LIVE_ROOT}/scripts/versions.env"
TILT_LIVE_CACHE="${TILT_LIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tilt-live}"
mkdir -p "${TILT_LIVE_CACHE}"

util::print::title() { printf '\n\033[1m%s\033[0m\n' "$*" >&2; }
util::print::step() { printf '  %s\n' "$*" >&2; }
util::print::info() { printf '    %s\n' "$*" >&2; }
util::print::error() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; }
util::die() { util::print::error "$*"; exit 1; }

# util::cached_or_lock WHAT WHERE LOCKFILE CHECK...: true, having said so, when CHECK passes (already built);
# otherwise takes LOCKFILE for the rest of the script (one build at a time: parallel runs share the work dir) and
# checks again, so that a build finished meanwhile serves this caller too. False: the caller builds now.
util::cached_or_lock() {
  local what="$1" where="$2" lock="$3"
  shift 3
  if "$@"; then util::print::step "${what}: cached at ${where}" && return 0; fi
  util::hold_lock "$lock" 3600 "Another build of ${what}"
  if "$@"; then util::print::step "${what}: built meanwhile at ${where}" && return 0; fi
  return 1
}

# Exit actions: what a script must undo however it ends (a temp dir, a half-started cluster). Each runs once, at
# the exit of the shell that registered it: a subshell (`$(...)`) runs its own and never its parent's.
UTIL_EXIT_ACTIONS=()

# util::on_exit CMD...: runs CMD (as one command line, at the exit of this shell or subshell; the last registered
# runs first).
util::on_exit() {
  UTIL_EXIT_ACTIONS+=("${BASHPID} $*")
  trap util::run_exit_actions EXIT
}

util::run_exit_actions() {
  local i entry
  for ((i = ${#UTIL_EXIT_ACTIONS[@]} - 1; i >= 0; i--)); do
    entry="${UTIL_EXIT_ACTIONS[i]}"
    [[ "${entry%% *}" == "${BASHPID}" ]] && { eval "${entry#* }" || true; }
  done
  return 0
}

# util::temp_dir VAR: a new temp dir in VAR, removed when this shell (or subshell) exits, failed or not.
util::temp_dir() {
  local -n util_temp_dir_var="$1"
  util_temp_dir_var=$(mktemp -d)
  util::on_exit rm -rf "$(printf '%q' "${util_temp_dir_var}")"
}

# util::hold_lock LOCKFILE SECONDS WHAT: waits up to SECONDS for LOCKFILE (saying "WHAT holds it" when busy) and
# holds it until this script exits. The lock belongs to a helper process (flock around `tail --pid=<this shell>`),
# not to a descriptor of this shell, so no child inherits it: a daemon started under the lock (dockerd, the
# cluster's) does not keep it after the script ends, and no command needs its descriptor closed by hand.
util::hold_lock() {
  local lock="$1" seconds="$2" what="$3" fd state=""
  mkdir -p "$(dirname "$lock")"
  flock -n "$lock" true || util::print::step "${what} holds ${lock}; waiting (up to $((seconds / 60)) min)"
  # tail's output goes nowhere: it ends when its output is a pipe nobody reads, and this shell closes that pipe.
  # shellcheck disable=SC2016 # $1 is the inner bash's
  exec {fd}< <(exec flock -o -w "$seconds" "$lock" bash -c 'echo locked && exec tail --pid="$1" -f /dev/null >/dev/null' \
    _ "$$" </dev/null 2>/dev/null)
  read -r -u "$fd" state || true
  exec {fd}<&-
  [[ "$state" == locked ]] || util::die "gave up waiting for ${lock} after $((seconds / 60)) min"
}

# util::timed LABEL CMD...: runs CMD, then prints "LABEL: Completed in 1.234s".
util::timed() {
  local label="$1"; shift
  local start end
  start=$(date +%s%N)
  "$@"
  end=$(date +%s%N)
  util::print::step "${label}: Completed in $(awk "BEGIN{printf \"%.3f\", (${end}-${start})/1e9}")s"
}

# util::wait_all WHAT PID...: waits for every one of the background jobs PID...; fails naming WHAT when any failed
# (each job prints its own error).
util::wait_all() {
  local what="$1" pid failed=0
  shift
  for pid in "$@"; do wait "$pid" || failed=$((failed + 1)); done
  ((failed == 0)) || util::die "${what}: ${failed} of $# jobs failed (their errors are above)"
}

# util::run_logged LOGFILE CMD...: runs CMD with output in LOGFILE; on failure prints the log's tail and the path.
util::run_logged() {
  local log="$1"; shift
  mkdir -p "$(dirname "$log")"
  if ! "$@" >"$log" 2>&1; then
    util::print::error "command failed: $*"
    tail -n 40 "$log" >&2
    util::die "full log: $log"
  fi
}

# util::go_module MODULE@VERSION LOG: puts the module into the Go module cache through the module proxy and prints
# its (read-only) directory; the proxy's answer goes to LOG. Fails (status 1, nothing printed) when it is refused.
util::go_module() {
  local out status=0
  out=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "$1" 2>&1) || status=$?
  mkdir -p "$(dirname "$2")"
  printf '%s\n' "$out" >"$2"
  [[ $status -eq 0 ]] || return 1
  sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p' <<<"$out"
}

# util::go_module_or_die MODULE@VERSION LOG: util::go_module, or stop with what the proxy refused and where its answer is.
util::go_module_or_die() {
  util::go_module "$1" "$2" || util::die "step download: the Go module proxy did not serve $1 (log: $2)"
}

# util::go_tool_build WHAT MODULE@VERSION OUT LOG_PREFIX CHECK COMPILE [PREPARE WORK]: a tool built from its Go
# module, the way Tilt, Docker Compose v2, Skaffold and Kubernetes are: the module from the proxy
# (LOG_PREFIXdownload.log); with PREPARE, `PREPARE SRC WORK` makes WORK, a writable copy that builds (at a stable
# path, so that Go's build cache hits next time; removed after a good build), else the module builds in place;
# `COMPILE DIR OUT.tmp` (LOG_PREFIXbuild.log); `CHECK OUT.tmp` prints what the new build reports and fails unless
# it is the pinned version; then OUT.tmp replaces OUT. The caller holds the build's lock (util::cached_or_lock).
util::go_tool_build() {
  local what="$1" module="$2" out="$3" logs="$4" check="$5" compile="$6" prepare="${7:-}" work="${8:-}" src reported
  command -v go >/dev/null || util::die "step build: go is not on PATH (building ${what} needs Go)"
  mkdir -p "$(dirname "${logs}download.log")" "$(dirname "$out")"
  src=$(util::timed "Downloading ${module}" util::go_module_or_die "$module" "${logs}download.log")
  [[ -d "$src" ]] || util::die "step download: no module directory for ${module} (log: ${logs}download.log)"
  if [[ -n "$prepare" ]]; then
    util::timed "Preparing a writable copy in ${work}" "$prepare" "$src" "$work"
    src="$work"
  fi
  rm -rf "${out}.tmp"
  util::timed "Compiling (log: ${logs}build.log)" util::run_logged "${logs}build.log" "$compile" "$src" "${out}.tmp"
  reported=$("$check" "${out}.tmp" 2>&1) ||
    util::die "step check: the new ${what} (${out}.tmp) reports '${reported}', not the pinned version (log: ${logs}build.log)"
  rm -rf "$out"
  mv "${out}.tmp" "$out"
  [[ -z "$prepare" ]] || rm -rf "$work"
  util::print::step "${what}: ${out} (${reported})"
}

# util::writable_copy SRC DEST: a writable copy (DEST replaced) of a read-only directory such as a Go module's.
util::writable_copy() {
  rm -rf "$2"
  mkdir -p "$(dirname "$2")"
  cp -a "$1" "$2"
  chmod -R u+w "$2"
}

# A failing command under `set -e` ends a script silently; this names the command and the line instead.
util::on_error() { util::print::error "failed (exit $1): ${BASH_COMMAND} (${BASH_SOURCE[1]:-?}:${BASH_LINENO[0]:-?})"; }
trap 'util::on_error $?' ERR

# util::platform_lock: one user of the shared platform at a time (integration suite, demo, bench) on this machine:
# the builder image, the stack images and the Docker engine are machine-wide, and another checkout's setup would
# remake the builder with its own buildpacks under a running suite. Held until the calling script exits.
util::platform_lock() {
  util::hold_lock "${TILT_LIVE_CACHE}/platform-user.lock" 3600 "Another run using the platform"
  # The scripts it runs (setup.sh, builder.sh) see that their caller holds it.
  export TILT_LIVE_PLATFORM_USER=$$
}

# util::platform_user_lock: util::platform_lock unless a caller up the process tree holds it already. The scripts that
# remake machine-wide images (setup.sh, builder.sh) take it, so that one run alone (say `bash
# scripts/platform/builder.sh` from another checkout) cannot replace the builder under a running suite.
util::platform_user_lock() {
  [[ -n "${TILT_LIVE_PLATFORM_USER:-}" ]] || util::platform_lock
}

# util::registry_schemes REGISTRY: the schemes to try, in order, as pack's registry client (go-containerregistry) does:
# plain HTTP for loopback; HTTPS, then HTTP, for private addresses (10/8, 172.16/12, 192.168/16) and *.local; HTTPS
# for the rest.
util::registry_schemes() {
  local host="${1%:*}"
  [[ "$1" == \[* ]] && host="${1%%]*}]"
  case "$host" in
    localhost | 127.* | "[::1]") printf 'http\n' ;;
    10.* | 192.168.* | 172.1[6-9].* | 172.2[0-9].* | 172.3[01].* | *.local) printf 'https\nhttp\n' ;;
    *) printf 'https\n' ;;
  esac
}
