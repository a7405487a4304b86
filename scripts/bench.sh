#!/usr/bin/env bash
# npm run bench [-- --lang go,node --runs 5]: sets up what it needs, then runs bench/bench.ts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TILT_LIVE_ROOT"
[[ -d node_modules ]] || util::timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
util::timed "Build the buildpacks" bash scripts/build.sh
util::timed "Platform" bash scripts/platform/setup.sh
export TILT_LIVE_PLATFORM_READY=1
npx esbuild bench/bench.ts --bundle --platform=node --format=esm --packages=external \
  --outfile=dist/bench/bench.mjs --log-level=warning
node dist/bench/bench.mjs "$@"
