#!/usr/bin/env bash
# npm test: everything, from a fresh clone. Installs the npm dependencies, builds the buildpacks, sets up
# the offline CNB platform (Docker, stack images, lifecycle, pack, Paketo buildpacks, Tilt; cached under
# ~/.cache/tilt-live and Docker's image store), then runs lint (scripts/lint.sh), the unit and the integration suites.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<USAGE
Usage: npm test [-- --unit-only]
  --unit-only   only lint and the unit tests: no platform, no integration suite (says so loudly)
Without it the platform is built (scripts/platform/setup.sh, from the registries and the upstream bundle) and the
integration suite runs; a platform that cannot be built fails the run.
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
  util::timed "Lint (Biome, shellcheck)" bash scripts/lint.sh
  util::timed "Build the buildpacks" bash scripts/build.sh
  util::timed "Unit tests (with coverage thresholds)" npx vitest run --project unit --coverage
  if [[ "$unit_only" == true ]]; then
    util::print::error "INTEGRATION SUITE NOT RUN: --unit-only was given. Run 'npm test' for the whole suite."
    return 0
  fi
  bash scripts/integration.sh
}

main "$@"
