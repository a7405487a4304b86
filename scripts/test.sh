#!/usr/bin/env bash
# npm test: everything, from a fresh clone. Installs the npm dependencies, builds the buildpacks, sets up
# the offline CNB platform (Docker, stack images, lifecycle, pack, Paketo buildpacks, Tilt; cached under
# ~/.cache/tilt-live and Docker's image store), then runs the unit and integration suites.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<USAGE
Usage: npm test [-- --unit-only]
  --unit-only   skip the platform and the integration suite
When an upstream input of the platform cannot be had here (the Go module proxy refuses the CNB lifecycle, pack
or a Paketo module and the cache has no build of the pinned version), the integration suite is skipped with a
loud message; TILT_LIVE_REQUIRE_PLATFORM=1 makes that a failure instead.
USAGE
}

main() {
  local unit_only=false
  for arg in "$@"; do
    case "$arg" in
      --unit-only) unit_only=true ;;
      -h|--help) usage; exit 0 ;;
      *) usage; util::die "unknown argument $arg" ;;
    esac
  done
  cd "$TILT_LIVE_ROOT"
  util::print::title "tilt-live tests"
  util::timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
  util::timed "Build the buildpacks" bash scripts/build.sh
  util::timed "Unit tests" npx vitest run --project unit
  if [[ "$unit_only" == true ]]; then return 0; fi
  local status=0
  bash scripts/platform/setup.sh || status=$?
  if [[ $status -eq ${UTIL_EXIT_UNAVAILABLE} && "${TILT_LIVE_REQUIRE_PLATFORM:-0}" != 1 ]]; then
    # Only an upstream input this machine cannot get (not a failure of ours) skips the suite, and loudly.
    util::print::error "INTEGRATION SUITE NOT RUN: the CNB platform cannot be built on this machine (see above)."
    util::print::error "Unit tests passed. Set TILT_LIVE_REQUIRE_PLATFORM=1 to make this a failure."
    return 0
  fi
  [[ $status -eq 0 ]] || util::die "platform setup failed (exit $status)"
  util::timed "Tilt and Docker Compose" bash scripts/platform/tilt.sh
  export TILT_LIVE_PLATFORM_READY=1
  util::timed "Integration tests" npx vitest run --project integration
}

main "$@"
