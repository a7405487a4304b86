#!/usr/bin/env bash
# Shared helpers for tilt-live's scripts: strict mode, pinned versions, the cache root and scribe-style output.
set -euo pipefail

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

# Exit status of a platform step whose upstream input cannot be had on this machine (e.g. the Go module proxy
# refuses a module): scripts/test.sh tells this apart from a failure.
readonly UTIL_EXIT_UNAVAILABLE=3
util::die_unavailable() { util::print::error "$*"; exit "${UTIL_EXIT_UNAVAILABLE}"; }
