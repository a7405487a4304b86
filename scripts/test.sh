#!/usr/bin/env bash
# npm test: everything, from a fresh clone. Installs the npm dependencies, builds the buildpacks, sets up
# the offline CNB platform (Docker, stack images, lifecycle, pack, Paketo buildpacks, Tilt; cached under
# ~/.cache/tilt-live and Docker's image store), then runs the unit and integration suites.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<USAGE
Usage: npm test [-- --unit-only]
  --unit-only   skip the platform and the integration suite
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
  util::timed "Platform" bash scripts/platform/setup.sh
  util::timed "Integration tests" npx vitest run --project integration
}

main "$@"
