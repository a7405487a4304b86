#!/usr/bin/env bash
# Step: a running Docker engine. Uses the one that answers; otherwise installs Debian's docker.io (API 1.41, which
# lifecycle 0.20 and pack 0.36 accept) and starts dockerd in the background with its log under the cache.

DOCKERD_LOG="${PLATFORM_CACHE}/dockerd.log"
DOCKERD_START_TIMEOUT="${DOCKERD_START_TIMEOUT:-60}"

# pgrep (procps) is not on every minimal machine; /proc is.
platform::docker::dockerd_running() { grep -qx dockerd /proc/[0-9]*/comm 2>/dev/null; }

platform::docker::ensure() {
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    util::print::info "Docker engine answers (server $(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    return 0
  fi
  command -v dockerd >/dev/null || platform::apt_install docker.io iptables
  command -v docker >/dev/null || platform::apt_install docker.io
  [[ $(id -u) -eq 0 ]] || util::die "Docker does not answer and only root can start dockerd here; start it, then re-run"
  if platform::docker::dockerd_running; then
    util::print::info "dockerd is running but does not answer yet (DOCKER_HOST=${DOCKER_HOST:-unset}); waiting"
  else
    util::print::info "Starting dockerd in the background (log: ${DOCKERD_LOG})"
    # setsid: the engine outlives this script and does not get its terminal's signals.
    setsid nohup dockerd >>"${DOCKERD_LOG}" 2>&1 </dev/null &
  fi
  local waited=0
  until docker info >/dev/null 2>&1; do
    if ((waited >= DOCKERD_START_TIMEOUT)); then
      util::print::error "dockerd did not answer within ${DOCKERD_START_TIMEOUT}s; last lines of ${DOCKERD_LOG}:"
      tail -n 20 "${DOCKERD_LOG}" >&2 || true
      util::die "Docker engine is not available"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  util::print::info "Docker engine ready after ${waited}s (server $(docker version --format '{{.Server.Version}}'))"
}
