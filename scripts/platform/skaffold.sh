#!/usr/bin/env bash
# Skaffold for the Skaffold integration test and its users here: GoogleContainerTools/skaffold SKAFFOLD_VERSION
# built from its Go module (Go module proxy, no release download), pinned and cached by version. It embeds
# pack (v0.30.0 for 2.13.2), which talks Docker API 1.41. See docs/skaffold.md and platform-facts §11.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/platform/skaffold.sh [build|path|env]
  build  (default) build Skaffold ${SKAFFOLD_VERSION} if it is not cached
  path   print the path of the cached skaffold binary (fails when it is not built)
  env    print shell exports for using it: PATH, SKAFFOLD_UPDATE_CHECK=false (Skaffold exports no metrics unless
         its global config says collect-metrics: true; 'skaffold config set --global collect-metrics false'
         also silences its prompt)
Output: \${TILT_LIVE_CACHE}/skaffold/${SKAFFOLD_VERSION}/skaffold  (TILT_LIVE_CACHE=${TILT_LIVE_CACHE})
Logs:   \${TILT_LIVE_CACHE}/skaffold/logs/
Skaffold ${SKAFFOLD_VERSION} does not compile with Go >= 1.26 (its golang.org/x/tools); the build asks the go
command for ${SKAFFOLD_GO_TOOLCHAIN} (GOTOOLCHAIN, served by the Go module proxy). It runs under 'nice -n 10'.
USAGE
}

SKAFFOLD_MODULE="github.com/GoogleContainerTools/skaffold/v2"
SKAFFOLD_DIR="${TILT_LIVE_CACHE}/skaffold/${SKAFFOLD_VERSION}"
SKAFFOLD_BIN="${SKAFFOLD_DIR}/skaffold"
SKAFFOLD_LOGS="${TILT_LIVE_CACHE}/skaffold/logs"
# The release build's tags (its Makefile, linux), without cgo: a static binary that needs no C toolchain.
SKAFFOLD_TAGS="timetzdata osusergo netgo release"

# skaffold::compile SRC OUT: in the module's own (read-only) directory: it has no replace directives and a
# complete go.sum; vendor/ holds only modules.txt, hence -mod=mod. The version ldflags make `skaffold version`
# report the pinned version (the Makefile takes it from git, which a module zip lacks).
skaffold::compile() {
  local src="$1" out="$2"
  (
    cd "$src"
    export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN="${SKAFFOLD_GO_TOOLCHAIN}"
    nice -n 10 go build -trimpath -tags "${SKAFFOLD_TAGS}" \
      -ldflags "-s -w -X ${SKAFFOLD_MODULE}/pkg/skaffold/version.version=v${SKAFFOLD_VERSION}" \
      -o "$out" ./cmd/skaffold
  )
}

# skaffold::check BIN: what the new skaffold reports; fails unless it is the pinned version.
skaffold::check() {
  local reported
  reported=$(SKAFFOLD_UPDATE_CHECK=false "$1" version 2>&1) || { printf '%s\n' "$reported"; return 1; }
  printf '%s\n' "$reported"
  [[ "$reported" == "v${SKAFFOLD_VERSION}" ]]
}

build_skaffold() {
  util::cached_or_lock "Skaffold ${SKAFFOLD_VERSION}" "${SKAFFOLD_BIN}" "${SKAFFOLD_DIR}/.lock" test -x "${SKAFFOLD_BIN}" && return 0
  util::print::title "Building Skaffold ${SKAFFOLD_VERSION} from its Go module (${SKAFFOLD_GO_TOOLCHAIN}, CGO_ENABLED=0, nice -n 10)"
  util::go_tool_build "Skaffold ${SKAFFOLD_VERSION}" "${SKAFFOLD_MODULE}@v${SKAFFOLD_VERSION}" "${SKAFFOLD_BIN}" \
    "${SKAFFOLD_LOGS}/" skaffold::check skaffold::compile
}

print_env() {
  [[ -x "${SKAFFOLD_BIN}" ]] || util::die "skaffold ${SKAFFOLD_VERSION} is not built yet: run scripts/platform/skaffold.sh"
  # shellcheck disable=SC2016 # $PATH is expanded by the shell that sources this output, not here
  printf 'export PATH=%q:"$PATH"\n' "${SKAFFOLD_DIR}"
  printf 'export SKAFFOLD_UPDATE_CHECK=false\n'
}

main() {
  case "${1:-build}" in
    -h | --help | help) usage ;;
    build) util::timed "Skaffold ${SKAFFOLD_VERSION}" build_skaffold ;;
    path)
      [[ -x "${SKAFFOLD_BIN}" ]] || util::die "skaffold ${SKAFFOLD_VERSION} is not built yet: run scripts/platform/skaffold.sh"
      printf '%s\n' "${SKAFFOLD_BIN}"
      ;;
    env) print_env ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
