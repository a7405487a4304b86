#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions are called through util::timed and traps
# scripts/platform/k8s.sh, build: Kubernetes from its Go module, the Debian parts (etcd, containerd, CNI plugins,
# registry) and the pause image. Sourced by k8s.sh, which defines the K8S_* paths.

# ---- build ------------------------------------------------------------------------------------------------

# k8s::prepare SRC WORK: a writable copy of the module that builds on its own. The module zip has no staging/
# tree, so its `k8s.io/X => ./staging/src/k8s.io/X` replaces point at the published k8s.io/X v${K8S_STAGING_VERSION}
# instead; its go.work (which lists the missing staging dirs) and vendor/ (only modules.txt) go.
k8s::prepare() {
  local src="$1" work="$2"
  util::writable_copy "$src" "$work"
  rm -rf "$work/go.work" "$work/go.work.sum" "$work/vendor"
  sed -i -E "s#^(\s*k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+\$#\1 => \1 v${K8S_STAGING_VERSION}#" "$work/go.mod"
  if grep -q '=> ./staging' "$work/go.mod"; then
    util::die "step prepare: go.mod still replaces with ./staging after the rewrite: $(grep '=> ./staging' "$work/go.mod" | head -3)"
  fi
}

# k8s::compile WORK OUT: one `go build` for all six commands (they share most packages), static, with the version
# ldflags the release build sets (hack/lib/version.sh), else the binaries report v0.0.0.
k8s::compile() {
  local work="$1" out="$2" commit date ldflags pkg
  commit=$(sed -n 's/^\s*"Hash": "\([0-9a-f]*\)".*/\1/p' "${K8S_BUILD_LOGS}/download.log" | head -n1)
  date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$(go env GOMODCACHE)/cache/download/${K8S_MODULE}/@v/v${K8S_VERSION}.info")
  local major="${K8S_VERSION%%.*}" minor
  minor=$(cut -d. -f2 <<<"${K8S_VERSION}")
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
    ldflags+=" -X ${pkg}.gitCommit=${commit:-unknown} -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=${date:-unknown}"
  done
  mkdir -p "$out"
  (
    cd "$work" || exit
    export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
    nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$out/" \
      "${K8S_COMPONENTS[@]/#/./cmd/}"
  )
}

k8s::binaries_ok() {
  local c
  for c in "${K8S_COMPONENTS[@]}"; do [[ -x "${K8S_BIN}/$c" ]] || return 1; done
}

# k8s::check OUT: the version every new binary reports; fails unless each is the pinned one.
k8s::check() {
  local out="$1" c reported
  for c in "${K8S_COMPONENTS[@]}"; do
    case "$c" in
      kubectl) reported=$("$out/$c" version --client 2>&1 || true) ;;
      kubeadm) reported=$("$out/$c" version -o short 2>&1 || true) ;;
      *) reported=$("$out/$c" --version 2>&1 || true) ;;
    esac
    [[ "$reported" == *"v${K8S_VERSION}"* ]] || { printf '%s: %s\n' "$c" "$reported"; return 1; }
  done
  printf 'v%s\n' "${K8S_VERSION}"
}

k8s::build() {
  util::cached_or_lock "Kubernetes ${K8S_VERSION}" "${K8S_BIN}" "${K8S_HOME}/build.lock" k8s::binaries_ok && return 0
  util::print::title "Building Kubernetes ${K8S_VERSION} from its Go module (${K8S_COMPONENTS[*]}; CGO_ENABLED=0, nice -n 10)"
  util::go_tool_build "Kubernetes ${K8S_VERSION}" "${K8S_MODULE}@v${K8S_VERSION}" "${K8S_BIN}" "${K8S_BUILD_LOGS}/" \
    k8s::check k8s::compile k8s::prepare "${K8S_HOME}/work/v${K8S_VERSION}"
}

# ---- Debian parts and the pause image -------------------------------------------------------------------------

k8s::install_debs() {
  local missing=() spec pkg want
  for spec in "${K8S_DEBS[@]}"; do
    pkg="${spec%%=*}" want="${spec#*=}"
    [[ "$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null)" == "install ok installed ${want}" ]] || missing+=("$spec")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    util::print::step "Debian packages: ${K8S_DEBS[*]}"
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || util::die "step packages: need root to install ${missing[*]} (apt-get)"
  mkdir -p "${K8S_BUILD_LOGS}"
  # apt-get update only when apt does not know a pinned version yet. Debian's policy-rc.d (or the lack of an init
  # system) keeps the packages' own services from starting; this script starts its own instances.
  local spec_known=true
  for spec in "${missing[@]}"; do apt-cache show "$spec" >/dev/null 2>&1 || spec_known=false; done
  if [[ "$spec_known" == false ]]; then
    util::timed "apt-get update" util::run_logged "${K8S_BUILD_LOGS}/apt-update.log" apt-get update
  fi
  util::timed "apt-get install ${missing[*]}" util::run_logged "${K8S_BUILD_LOGS}/apt-install.log" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# The sandbox ("pause") image every pod starts with, made here: a static Go program that waits for SIGTERM, imported
# from a Docker image archive. containerd would otherwise pull registry.k8s.io/pause, which nothing here serves.
K8S_PAUSE_SRC="${TILT_LIVE_ROOT}/platform/k8s/pause"
k8s::pause_key() { { cat "${K8S_PAUSE_SRC}/main.go" "${K8S_PAUSE_SRC}/go.mod"; go env GOVERSION; } | sha256sum | cut -c1-12; }
k8s::pause_ref() { printf 'tilt-live/k8s-pause:%s' "$(k8s::pause_key)"; }
k8s::pause_tar() { printf '%s/pause-%s.tar' "${K8S_HOME}" "$(k8s::pause_key)"; }

k8s::make_pause_image() {
  local tar ref tmp
  tar=$(k8s::pause_tar) ref=$(k8s::pause_ref)
  if [[ -s "$tar" ]]; then
    util::print::step "Pause image: cached at ${tar}"
    return 0
  fi
  if ! { command -v docker >/dev/null && docker info >/dev/null 2>&1; }; then
    util::die "step pause image: Docker does not answer (run scripts/platform/setup.sh first)"
  fi
  util::temp_dir tmp
  util::run_logged "${K8S_BUILD_LOGS}/pause.log" env CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    bash -c "cd '${K8S_PAUSE_SRC}' && go build -trimpath -ldflags='-s -w' -o '$tmp/pause' ."
  util::run_logged "${K8S_BUILD_LOGS}/pause.log" \
    bash -c "tar -C '$tmp' -c pause | docker import --change 'ENTRYPOINT [\"/pause\"]' - '$ref' &&
             docker save -o '$tar.tmp' '$ref' && docker rmi '$ref'"
  mv "$tar.tmp" "$tar"
  rm -rf "$tmp"
  util::print::step "Pause image: ${tar} (docker.io/${ref} on the node)"
}
