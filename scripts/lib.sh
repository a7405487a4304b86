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
  local what="$1" where="$2" lock="$3" fd
  shift 3
  if "$@"; then util::print::step "${what}: cached at ${where}" && return 0; fi
  mkdir -p "$(dirname "$lock")"
  exec {fd}>"$lock"
  flock "$fd"
  if "$@"; then util::print::step "${what}: built meanwhile at ${where}" && return 0; fi
  return 1
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
# remake the builder with its own buildpacks under a running suite. Held on fd 8 until the calling script exits.
util::platform_lock() {
  exec 8>"${TILT_LIVE_CACHE}/platform-user.lock"
  if ! flock -n 8; then
    util::print::step "Another run uses the platform (${TILT_LIVE_CACHE}/platform-user.lock); waiting (up to 60 min)"
    flock -w 3600 8 || util::die "gave up waiting for ${TILT_LIVE_CACHE}/platform-user.lock"
  fi
}
