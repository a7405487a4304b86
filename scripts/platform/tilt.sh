#!/usr/bin/env bash
# Makes real Tilt available offline, pinned and cached: builds tilt-dev/tilt TILT_VERSION from its Go module
# (Go module proxy, no GitHub release download) and installs Docker Compose (COMPOSE_VERSION, Debian's
# docker-compose package). See docs/tilt-notes.md for what was verified with this build.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: scripts/platform/tilt.sh [all|tilt|compose|compose-v2|compose-v2-config|path|env]
  all      (default) build Tilt ${TILT_VERSION} if not cached, install Docker Compose ${COMPOSE_VERSION}, and build
           Docker Compose ${COMPOSE_V2_VERSION} (for \`docker compose watch\`) if not cached
  tilt     only build Tilt
  compose  only install Docker Compose ${COMPOSE_VERSION}
  compose-v2         only build Docker Compose ${COMPOSE_V2_VERSION}
  compose-v2-config  print the DOCKER_CONFIG dir whose cli-plugins/ holds it (fails when it is not built)
  pack-extension     print the directory of tilt-dev/tilt-extensions' pack extension as published (from the
                     upstream bundle, sha256-checked, unpacked once into the cache): load <dir>/pack/Tiltfile
  path     print the path of the cached tilt binary (fails when it is not built)
  env      print shell exports for using them: PATH, TILT_DISABLE_ANALYTICS, TILT_DOCKER_COMPOSE_CMD
Output: \${TILT_LIVE_CACHE}/tilt/<version>/tilt  (TILT_LIVE_CACHE=${TILT_LIVE_CACHE})
Logs:   \${TILT_LIVE_CACHE}/tilt/logs/
The build runs under 'nice -n 10'; GOCACHE and GOMODCACHE stay at Go's defaults so later builds are warm.
USAGE
}

TILT_MODULE="github.com/tilt-dev/tilt"
TILT_DIR="${TILT_LIVE_CACHE}/tilt/${TILT_VERSION}"
TILT_BIN="${TILT_DIR}/tilt"
TILT_LOGS="${TILT_LIVE_CACHE}/tilt/logs"
# go.sum lines of the pinned Tilt that disagree with the public checksum database (sum.golang.org, reached through
# the module proxy). buildx v0.32.1's tag was evidently re-pointed: Tilt's go.sum has h1:Zlau3o..., the checksum
# database and the proxy have h1:ecen0V.... Tilt's own release builds use -mod=vendor and never noticed. We drop
# only these lines from the writable copy's go.sum, so the go command verifies them against the checksum database
# instead; any other mismatch still fails the build.
TILT_GOSUM_RESYNC=("github.com/docker/buildx v0.32.1")

# tilt::go_at_least WANT: true when the local go is >= WANT.
tilt::go_at_least() {
  local have
  have=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
  [[ -n "$have" ]] || return 1
  [[ "$(printf '%s\n%s\n' "$1" "$have" | sort -V | head -n1)" == "$1" ]]
}

tilt::check_toolchain() {
  command -v go >/dev/null || util::die "go is not on PATH (building Tilt needs Go)"
  # go-tree-sitter (Tiltfile parsing for `tilt alpha tiltfile-result` and friends) is cgo: C and C++ compilers.
  if ! command -v gcc >/dev/null || ! command -v g++ >/dev/null; then
    util::die "building Tilt needs gcc and g++ (cgo); install them (apt-get install gcc g++)"
  fi
}

# tilt::prepare SRC WORK: a writable copy of the module, made buildable, with its dependencies downloaded:
# - Go at least the version its go.mod asks for;
# - no vendor/ (the module zip may keep vendor/modules.txt without the code; we build with -mod=mod anyway);
# - a stub web UI (pkg/assets/build/index.html), or prod web mode refuses to start (no JS build offline).
tilt::prepare() {
  local src="$1" work="$2" want_go
  want_go=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$src/go.mod")
  tilt::go_at_least "${want_go:-0}" ||
    util::die "Tilt ${TILT_VERSION} needs Go >= ${want_go} (its go.mod); found $(go env GOVERSION)"
  util::writable_copy "$src" "$work"
  rm -rf "$work/vendor" "$work/node_modules"
  local entry mod ver
  for entry in "${TILT_GOSUM_RESYNC[@]}"; do
    read -r mod ver <<<"$entry"
    sed -i "\\#^${mod} ${ver} h1:#d" "$work/go.sum"
  done
  mkdir -p "$work/pkg/assets/build"
  cat >"$work/pkg/assets/build/index.html" <<'HTML'
<!doctype html>
<html><head><title>Tilt (headless build)</title></head>
<body><p>This Tilt was built by tilt-live without its web UI. Use the CLI: tilt get / tilt logs / tilt wait.</p></body></html>
HTML
  util::timed "Downloading Tilt's dependencies" \
    util::run_logged "${TILT_LOGS}/deps.log" env GOFLAGS=-mod=mod GOTOOLCHAIN=local bash -c "cd '$work' && go mod download -x"
}

# tilt::compile WORK OUT: the release-style build (version ldflags make `tilt version` report TILT_VERSION and
# turn off dev-build behaviour).
tilt::compile() {
  local work="$1" out="$2" date
  date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$(go env GOMODCACHE)/cache/download/${TILT_MODULE}/@v/v${TILT_VERSION}.info" |
    cut -c1-10)
  (
    cd "$work"
    export CGO_ENABLED=1 GOFLAGS=-mod=mod GOTOOLCHAIN=local
    nice -n 10 go build -tags=osusergo -trimpath \
      -ldflags "-s -w -X main.version=${TILT_VERSION} -X main.date=${date:-unknown}" \
      -o "$out" ./cmd/tilt
  )
}

# tilt::check BIN: what the new tilt reports; fails unless it is the pinned version.
tilt::check() {
  local reported
  reported=$("$1" version 2>&1) || { printf '%s\n' "$reported"; return 1; }
  printf '%s\n' "$reported"
  [[ "$reported" == "v${TILT_VERSION},"* ]]
}

build_tilt() {
  util::cached_or_lock "Tilt ${TILT_VERSION}" "${TILT_BIN}" "${TILT_DIR}/.lock" test -x "${TILT_BIN}" && return 0
  util::print::title "Building Tilt ${TILT_VERSION} from its Go module (cgo, nice -n 10)"
  tilt::check_toolchain
  # The copy keeps a stable path (and the build uses -trimpath) so the Go build cache hits on a rebuild.
  util::go_tool_build "Tilt ${TILT_VERSION}" "${TILT_MODULE}@v${TILT_VERSION}" "${TILT_BIN}" "${TILT_LOGS}/" \
    tilt::check tilt::compile tilt::prepare "${TILT_LIVE_CACHE}/tilt/work/${TILT_VERSION}"
}

# tilt::compose_deb: the installed version of Debian's docker-compose package, or nothing. (Asking
# `docker-compose version` costs about 5 s of Python start-up; dpkg answers at once.)
tilt::compose_deb() { { dpkg-query -W -f='${Status} ${Version}' docker-compose 2>/dev/null || true; } | sed -n 's/^install ok installed //p'; }

install_compose() {
  local have
  have=$(tilt::compose_deb)
  if [[ "$have" == "${COMPOSE_DEB_VERSION}" ]] && command -v docker-compose >/dev/null; then
    util::print::step "Docker Compose ${COMPOSE_VERSION}: $(command -v docker-compose) (Debian docker-compose ${have})"
    return 0
  fi
  [[ -z "$have" ]] ||
    util::die "Debian docker-compose ${have} is installed, pinned is ${COMPOSE_DEB_VERSION} (scripts/versions.env)"
  [[ $(id -u) -eq 0 ]] || util::die "installing docker-compose needs root (apt-get install docker-compose=${COMPOSE_DEB_VERSION})"
  util::print::title "Installing Docker Compose ${COMPOSE_VERSION} (Debian docker-compose ${COMPOSE_DEB_VERSION})"
  mkdir -p "${TILT_LOGS}"
  # apt-get update at most once: only when apt does not know the pinned package version yet.
  if ! apt-cache show "docker-compose=${COMPOSE_DEB_VERSION}" >/dev/null 2>&1; then
    util::timed "apt-get update" util::run_logged "${TILT_LOGS}/apt-update.log" apt-get update
  fi
  util::timed "apt-get install docker-compose=${COMPOSE_DEB_VERSION}" \
    util::run_logged "${TILT_LOGS}/apt-compose.log" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "docker-compose=${COMPOSE_DEB_VERSION}"
  have=$(docker-compose version --short 2>/dev/null || true)
  [[ "$have" == "${COMPOSE_VERSION}" ]] ||
    util::die "docker-compose reports '${have}' after install, expected ${COMPOSE_VERSION} (log: ${TILT_LOGS}/apt-compose.log)"
  util::print::step "Docker Compose ${COMPOSE_VERSION}: $(command -v docker-compose) (Debian docker-compose ${COMPOSE_DEB_VERSION})"
}

# Docker Compose v2 as a CLI plugin: DOCKER_CONFIG=<this dir> docker compose ... (the dir holds nothing else).
COMPOSE_V2_MODULE="github.com/docker/compose/v2"
COMPOSE_V2_CONFIG="${TILT_LIVE_CACHE}/compose/${COMPOSE_V2_VERSION}/docker-config"
COMPOSE_V2_BIN="${COMPOSE_V2_CONFIG}/cli-plugins/docker-compose"

# compose_v2::compile SRC OUT: in the module's own (read-only) directory: it has no replace directives.
compose_v2::compile() {
  (cd "$1" && CGO_ENABLED=0 GOTOOLCHAIN=local nice -n 10 go build -trimpath \
    -ldflags "-s -w -X ${COMPOSE_V2_MODULE}/internal.Version=v${COMPOSE_V2_VERSION}" -o "$2" ./cmd)
}

# compose_v2::check BIN: what the new docker-compose reports; fails unless it is the pinned version.
compose_v2::check() {
  local reported
  reported=$("$1" version --short 2>&1) || { printf '%s\n' "$reported"; return 1; }
  printf '%s\n' "$reported"
  [[ "$reported" == "${COMPOSE_V2_VERSION}" || "$reported" == "v${COMPOSE_V2_VERSION}" ]]
}

build_compose_v2() {
  util::cached_or_lock "Docker Compose ${COMPOSE_V2_VERSION}" "${COMPOSE_V2_BIN}" "${COMPOSE_V2_CONFIG}/.lock" \
    test -x "${COMPOSE_V2_BIN}" && return 0
  util::print::title "Building Docker Compose ${COMPOSE_V2_VERSION} from its Go module (nice -n 10)"
  util::go_tool_build "Docker Compose ${COMPOSE_V2_VERSION}" "${COMPOSE_V2_MODULE}@v${COMPOSE_V2_VERSION}" \
    "${COMPOSE_V2_BIN}" "${TILT_LOGS}/compose-v2-" compose_v2::check compose_v2::compile
  util::print::step "Use it as: DOCKER_CONFIG=${COMPOSE_V2_CONFIG} docker compose"
}

# pack_extension_dir: the upstream bundle's tilt-extensions archive (pack/ and LICENSE at one commit), unpacked.
pack_extension_dir() {
  local row=""
  if [[ -f "${UPSTREAM_DIR}/MANIFEST.tsv" ]]; then
    row=$(awk -F'\t' 'NR > 1 && $2 == "github.com/tilt-dev/tilt-extensions" { print; exit }' "${UPSTREAM_DIR}/MANIFEST.tsv")
  fi
  [[ -n "$row" ]] ||
    util::die "${UPSTREAM_DIR}/MANIFEST.tsv lists no github.com/tilt-dev/tilt-extensions archive (TILT_LIVE_UPSTREAM_DIR=${TILT_LIVE_UPSTREAM_DIR:-unset})"
  platform::upstream::unpack "$(cut -f1 <<<"$row")" "$(cut -f5 <<<"$row")"
}

print_env() {
  [[ -x "${TILT_BIN}" ]] || util::die "tilt ${TILT_VERSION} is not built yet: run scripts/platform/tilt.sh"
  # shellcheck disable=SC2016 # $PATH is expanded by the shell that sources this output, not here
  printf 'export PATH=%q:"$PATH"\n' "${TILT_DIR}"
  printf 'export TILT_DISABLE_ANALYTICS=1\n'
  printf 'export TILT_DOCKER_COMPOSE_CMD=%q\n' "$(command -v docker-compose || echo docker-compose)"
}

main() {
  local cmd="${1:-all}"
  case "$cmd" in
    -h | --help | help) usage ;;
    all)
      util::timed "Tilt ${TILT_VERSION}" build_tilt
      util::timed "Docker Compose ${COMPOSE_VERSION}" install_compose
      util::timed "Docker Compose ${COMPOSE_V2_VERSION}" build_compose_v2
      ;;
    pack-extension) pack_extension_dir ;;
    compose-v2) util::timed "Docker Compose ${COMPOSE_V2_VERSION}" build_compose_v2 ;;
    compose-v2-config)
      [[ -x "${COMPOSE_V2_BIN}" ]] || util::die "Docker Compose ${COMPOSE_V2_VERSION} is not built yet: run scripts/platform/tilt.sh compose-v2"
      printf '%s\n' "${COMPOSE_V2_CONFIG}"
      ;;
    tilt) util::timed "Tilt ${TILT_VERSION}" build_tilt ;;
    compose) util::timed "Docker Compose ${COMPOSE_VERSION}" install_compose ;;
    path)
      [[ -x "${TILT_BIN}" ]] || util::die "tilt ${TILT_VERSION} is not built yet: run scripts/platform/tilt.sh"
      printf '%s\n' "${TILT_BIN}"
      ;;
    env) print_env ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
