#!/usr/bin/env bash
# scripts/with-platform.sh demo|bench [args]: what `npm run demo` and `npm run bench` share. Installs and
# sets up what they need (npm packages, the buildpacks, the offline CNB platform: for the demo, only the parts of
# its language), then runs bench/<tool>.ts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# flag_value FLAG ARGS...: the value of FLAG among the arguments (`FLAG VALUE`), else nothing.
flag_value() {
  local flag="$1"
  shift
  while (($# > 0)); do
    [[ "$1" == "$flag" ]] && { printf '%s\n' "${2:-}"; return 0; }
    shift
  done
}

# orchestrator_parts LIST: what the orchestrator bench needs beside the platform (each cached by version), as
# scripts/integration.sh builds it for the Tilt, Kubernetes, Skaffold and kpack test files.
orchestrator_parts() {
  local list=",$1,"
  util::timed "Tilt and Docker Compose" bash scripts/platform/tilt.sh
  if [[ "$list" == *,k8s,* || "$list" == *,kpack,* ]]; then
    util::timed "Kubernetes ${K8S_VERSION} (binaries, packages)" bash scripts/platform/k8s.sh build
  fi
  if [[ "$list" == *,kpack,* ]]; then
    util::timed "kpack ${KPACK_VERSION}" bash scripts/platform/kpack.sh build
    util::timed "Language groups (linux/arm64, for the packages)" bash scripts/platform/setup.sh --arch arm64
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
  # bench/demo.ts's default language is go.
  [[ "$tool" == demo ]] && setup_args=(--lang "$(flag_value --lang "$@" | grep . || echo go)")
  util::platform_lock
  util::timed "Platform" bash scripts/platform/setup.sh "${setup_args[@]}"
  # The bench's go-large profile builds a fetched project (cached by version; scripts/platform/go-large.sh).
  if [[ "$tool" == bench && "$*" == *go-large* ]]; then
    util::timed "go-large (${GO_LARGE_MODULE} ${GO_LARGE_VERSION})" bash scripts/platform/go-large.sh fetch
  fi
  local orchestrators=""
  [[ "$tool" == bench ]] && orchestrators="$(flag_value --orchestrator "$@")"
  [[ -z "$orchestrators" ]] || orchestrator_parts "$orchestrators"
  export TILT_LIVE_PLATFORM_READY=1
  npx esbuild "bench/${tool}.ts" --bundle --platform=node --format=esm --packages=external \
    --outfile="dist/bench/${tool}.mjs" --log-level=warning
  node "dist/bench/${tool}.mjs" "$@"
}

main "$@"
