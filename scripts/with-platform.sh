#!/usr/bin/env bash
# scripts/with-platform.sh demo|bench [args]: what `npm run demo` and `npm run bench` share. Installs and
# sets up what they need (npm packages, the buildpacks, the offline CNB platform), then runs bench/<tool>.ts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local tool="${1:-}"
  case "$tool" in
    demo|bench) shift ;;
    *) util::die "usage: scripts/with-platform.sh demo|bench [args]" ;;
  esac
  cd "$TILT_LIVE_ROOT"
  [[ -d node_modules ]] || util::timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
  util::timed "Build the buildpacks" bash scripts/build.sh
  util::platform_lock
  util::timed "Platform" bash scripts/platform/setup.sh 8>&-
  export TILT_LIVE_PLATFORM_READY=1
  npx esbuild "bench/${tool}.ts" --bundle --platform=node --format=esm --packages=external \
    --outfile="dist/bench/${tool}.mjs" --log-level=warning
  node "dist/bench/${tool}.mjs" "$@"
}

main "$@"
