#!/usr/bin/env bash
# scripts/with-platform.sh demo|bench [args]: what `npm run demo` and `npm run bench` share. Installs and
# sets up what they need (npm packages, the buildpacks, the offline CNB platform: for the demo, only the parts of
# its language), then runs bench/<tool>.ts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# demo_language ARGS...: the value of --lang among the demo's arguments, else go (bench/demo.ts's default).
demo_language() {
  while (($# > 0)); do
    [[ "$1" == --lang ]] && { printf '%s\n' "${2:-}"; return 0; }
    shift
  done
  printf 'go\n'
}

# bench_orchestrators ARGS...: the value of --orchestrator among the bench's arguments, else nothing.
bench_orchestrators() {
  while (($# > 0)); do
    [[ "$1" == --orchestrator ]] && { printf '%s\n' "${2:-}"; return 0; }
    shift
  done
}

# orchestrator_parts LIST: what the orchestrator bench needs beside the platform (each cached by version), as
# scripts/integration.sh builds it for the Tilt, Kubernetes and Skaffold test files.
orchestrator_parts() {
  local list=",$1,"
  util::timed "Tilt and Docker Compose" bash scripts/platform/tilt.sh
  if [[ "$list" == *,k8s,* ]]; then
    util::timed "Kubernetes ${K8S_VERSION} (binaries, packages)" bash scripts/platform/k8s.sh build
  fi
  if [[ "$list" == *,skaffold,* ]]; then
    util::timed "Skaffold ${SKAFFOLD_VERSION}" bash scripts/platform/skaffold.sh build
    bash scripts/platform/builder.sh skaffold
  fi
}

main() {
  local tool="${1:-}"
  case "$tool" in
    demo|bench) shift ;;
    *) util::die "usage: scripts/with-platform.sh demo|bench [args]" ;;
  esac
  cd "$TILT_LIVE_ROOT"
  [[ -d node_modules ]] || util::timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
  util::timed "Build the buildpacks" bash scripts/build.sh
  # The demo sets up only its language's parts (a builder of that group alone); the bench, every language's.
  local setup_args=()
  [[ "$tool" == demo ]] && setup_args=(--lang "$(demo_language "$@")")
  util::platform_lock
  util::timed "Platform" bash scripts/platform/setup.sh "${setup_args[@]}"
  local orchestrators=""
  [[ "$tool" == bench ]] && orchestrators="$(bench_orchestrators "$@")"
  [[ -z "$orchestrators" ]] || orchestrator_parts "$orchestrators"
  export TILT_LIVE_PLATFORM_READY=1
  npx esbuild "bench/${tool}.ts" --bundle --platform=node --format=esm --packages=external \
    --outfile="dist/bench/${tool}.mjs" --log-level=warning
  node "dist/bench/${tool}.mjs" "$@"
}

main "$@"
