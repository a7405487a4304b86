#!/usr/bin/env bash
# scripts/integration.sh [vitest args]: the integration suite on the real platform. Builds the platform (cached),
# Tilt and Docker Compose, then runs `vitest --project integration` with the given arguments (e.g. one file).
# One run per machine at a time (util::platform_lock).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# background_build WHAT LOG CMD...: CMD in the background, in its own session so that the run's end stops all of it.
background_build() {
  local what="$1" log="$2" pid
  shift 2
  setsid "$@" >"$log" 2>&1 &
  pid=$!
  util::on_exit "kill -- -${pid} 2>/dev/null || true"
  util::print::step "${what}: building in the background (log: ${log})"
}

main() {
  cd "$TILT_LIVE_ROOT"
  util::platform_lock
  util::timed "Platform" bash scripts/platform/setup.sh
  util::timed "Tilt and Docker Compose" bash scripts/platform/tilt.sh
  # The local Kubernetes' binaries and packages (cached by version): outside the test's hook timeout, and only for
  # runs that include a Kubernetes test (k8s-live, kpack). The test starts and stops the cluster itself.
  if [[ $# -eq 0 || "$*" == *k8s* || "$*" == *kpack* ]]; then
    util::timed "Kubernetes ${K8S_VERSION} (binaries, packages)" bash scripts/platform/k8s.sh build
  fi
  # The builder variant Skaffold's `sync: auto` needs (Platform API 0.8; remade from this checkout's dist/ like the
  # builder), for runs that include the Skaffold test; Skaffold itself is built in the background (below).
  if [[ $# -eq 0 || "$*" == *skaffold* ]]; then
    bash scripts/platform/builder.sh skaffold
  fi
  # The language groups cross-built for linux/arm64 (cached by version), which `npm run package` bundles into the
  # meta-buildpack's arm64 image, for runs that include a test that packages: outside the test's hook timeout.
  if [[ $# -eq 0 || "$*" == *packages* || "$*" == *tilt-stock-pack* || "$*" == *kpack* ]]; then
    util::timed "Language groups (linux/arm64)" bash scripts/platform/setup.sh --arch arm64
    # The packages are published once per run, before the first file (integration/harness/packages-setup.ts).
    export TILT_LIVE_PUBLISH_PACKAGES=1
  fi
  # The large Go project of the go-large test (cached by version; scripts/platform/go-large.sh), for runs that
  # include it.
  if [[ $# -eq 0 || "$*" == *go-large* ]]; then
    util::timed "go-large (${GO_LARGE_MODULE} ${GO_LARGE_VERSION})" bash scripts/platform/go-large.sh fetch
  fi
  # pack keeps, in TMPDIR, a copy of each ephemeral builder it makes for a `--buildpack docker://...` build
  # (imgutil.local.image.*: 711 MB for the meta-buildpack's) and never removes it: the run gets its own TMPDIR,
  # removed when the run ends. A short path, as unix sockets may be made under it.
  local run_tmp
  run_tmp="$(mktemp -d /tmp/tl-it.XXXXXX)"
  util::on_exit rm -rf "${run_tmp}"
  export TMPDIR="${run_tmp}"
  # Go builds that one test file alone needs (cached by version; minutes each when cold) run in the background, niced,
  # beside the first test files, which leave a core idle much of the time. That test's own build command waits for
  # the background one (the build's lock), and reports a failure by building again.
  if [[ $# -eq 0 || "$*" == *skaffold* ]]; then
    background_build "Skaffold ${SKAFFOLD_VERSION}" "${run_tmp}/skaffold-build.log" bash scripts/platform/skaffold.sh build
  fi
  if [[ $# -eq 0 || "$*" == *kpack* ]]; then
    background_build "kpack ${KPACK_VERSION} binaries" "${run_tmp}/kpack-binaries.log" bash scripts/platform/kpack.sh binaries
  fi
  export TILT_LIVE_PLATFORM_READY=1
  util::timed "Integration tests" npx vitest run --project integration "$@"
}

main "$@"
