#!/usr/bin/env bash
# npm run demo [-- --lang go]: installs and sets up what it needs (npm packages, the buildpacks, the offline
# CNB platform), then runs bench/demo.ts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TILT_LIVE_ROOT"
[[ -d node_modules ]] || util::timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
util::timed "Build the buildpacks" bash scripts/build.sh
util::timed "Platform" bash scripts/platform/setup.sh
export TILT_LIVE_PLATFORM_READY=1
npx esbuild bench/demo.ts --bundle --platform=node --format=esm --packages=external \
  --outfile=dist/bench/demo.mjs --log-level=warning
node dist/bench/demo.mjs "$@"
