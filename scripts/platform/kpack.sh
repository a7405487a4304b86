#!/usr/bin/env bash
# kpack from its source on the local cluster, for the "All Remote" loop (docs/kpack.md). What each step works
# around is in kpack/render.py and below.
#   build   (binaries: only its first part) the six binaries kpack deploys (one `go build`, so that they share every compiled package), one image per
#           binary on the platform's run stack, and the lifecycle image a ClusterLifecycle wants (cnb/ as last layer)
#   start   the images pushed to the cluster's registry, kpack applied, the ClusterLifecycle, ClusterStack (the build
#           image as run image too: dev images rebuild in place), a ClusterBuildpack per package and the
#           ClusterBuilder `tilt-live`; idempotent (apply), so a start after an unclean end repairs what is there
#   stop    every kpack Image and Build, the cluster resources and kpack's namespace deleted
#   status  kpack's deployments and the builder
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<USAGE
Usage: scripts/platform/kpack.sh build|binaries|start [--packages REGISTRY]|stop|status
  build     the binaries (\${TILT_LIVE_CACHE}/kpack/v${KPACK_VERSION}/bin) and the images tilt-live/kpack-<name>:${KPACK_VERSION}
  binaries  the binaries alone (the part that takes minutes, once per version)
  start [--packages REGISTRY]
            kpack on the running local cluster (scripts/platform/k8s.sh start first): a ClusterBuildpack per package
            in REGISTRY (as npm run package -- --publish REGISTRY pushes them; default: published into the cluster's
            registry first) and the ClusterBuilder tilt-live, whose order is the meta-buildpack
  stop      every kpack Image and Build, the builder and kpack off the cluster
  status    kpack's deployments and the builder, one line each; exit 0 only when all are up
USAGE
}

KPACK_HOME="${TILT_LIVE_CACHE}/kpack"
KPACK_BIN="${KPACK_HOME}/v${KPACK_VERSION}/bin"
KPACK_LOGS="${KPACK_HOME}/logs"
# What kpack deploys: the controller and webhook Deployments, and the images of the build pods' steps.
KPACK_COMMANDS=(controller webhook build-init build-waiter completion rebase)
# Where the images keep the binaries; the controller starts build-init, completion and rebase by these paths
# (pkg/apis/build/v1alpha2: PrepareCommand, CompletionCommand, RebaseCommand default to /cnb/process/..., the
# layout of kpack's own pack-built images).
KPACK_IMAGE_DIR=/kpack
KPACK_V1ALPHA2=github.com/pivotal/kpack/pkg/apis/build/v1alpha2

# kpack::binaries_in DIR: every command kpack deploys is an executable in DIR.
kpack::binaries_in() {
  local name
  for name in "${KPACK_COMMANDS[@]}"; do [[ -x "$1/${name}" ]] || return 1; done
}

# kpack::compile SRC OUT: every command in one go build (CGO off: build-waiter copies itself into other images).
kpack::compile() {
  local src="$1" out="$2" ldflags
  ldflags="-s -w -X github.com/pivotal/kpack/cmd.Version=${KPACK_VERSION}"
  ldflags+=" -X ${KPACK_V1ALPHA2}.PrepareCommand=${KPACK_IMAGE_DIR}/build-init"
  ldflags+=" -X ${KPACK_V1ALPHA2}.CompletionCommand=${KPACK_IMAGE_DIR}/completion"
  ldflags+=" -X ${KPACK_V1ALPHA2}.RebaseCommand=${KPACK_IMAGE_DIR}/rebase"
  mkdir -p "$out"
  (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local nice go build -trimpath -ldflags "$ldflags" \
    -o "$out/" "${KPACK_COMMANDS[@]/#/./cmd/}")
}

# kpack::check OUT: a fresh build holds every command (util::go_tool_build prints what this prints).
kpack::check() {
  kpack::binaries_in "$1" || { echo "a command of ${KPACK_COMMANDS[*]} is missing in $1"; return 1; }
  printf '%s commands, %s\n' "${#KPACK_COMMANDS[@]}" "$(du -sh "$1" | cut -f1)"
}

kpack::build_binaries() {
  mkdir -p "${KPACK_HOME}"
  util::cached_or_lock "kpack ${KPACK_VERSION} binaries" "${KPACK_BIN}" "${KPACK_HOME}/build.lock" kpack::binaries_in "${KPACK_BIN}" && return 0
  util::go_tool_build "kpack ${KPACK_VERSION}" "${KPACK_MODULE}@v${KPACK_VERSION}" "${KPACK_BIN}" "${KPACK_LOGS}/" \
    kpack::check kpack::compile
}

# kpack::build_images: tilt-live/kpack-<name>:VERSION, the binaries on the run stack as uid 1000 (the Deployments ask
# for a non-root user by number), each with its binary as entrypoint (build-waiter's container has no command).
kpack::build_images() {
  local name ctx
  util::temp_dir ctx
  cp "${KPACK_BIN}"/* "$ctx/"
  for name in "${KPACK_COMMANDS[@]}"; do
    printf 'FROM tilt-live/stack-run:latest\nCOPY %s %s/\nUSER 1000:1000\nENTRYPOINT ["%s/%s"]\n' \
      "${KPACK_COMMANDS[*]}" "${KPACK_IMAGE_DIR}" "${KPACK_IMAGE_DIR}" "$name" >"$ctx/Dockerfile.$name"
    util::run_logged "${KPACK_LOGS}/image-${name}.log" docker build -q -f "$ctx/Dockerfile.$name" \
      -t "tilt-live/kpack-${name}:${KPACK_VERSION}" "$ctx"
  done
}

# kpack::lifecycle_image: tilt-live/kpack-lifecycle (kpack takes a ClusterLifecycle image's LAST layer as the
# builder's lifecycle layer: cnb/lifecycle/*, so cnb/ is copied last; the labels are those of the platform's lifecycle
# image), and tilt-live/kpack-stack-build, the build stack under the name the ClusterStack uses.
kpack::lifecycle_image() {
  local ctx apis tgz="${LIFECYCLE_TGZ}"
  [[ -f "$tgz" ]] || util::die "no lifecycle tarball (${tgz}): run scripts/platform/setup.sh"
  apis=$(docker inspect "buildpacksio/lifecycle:${LIFECYCLE_VERSION}" --format '{{index .Config.Labels "io.buildpacks.lifecycle.apis"}}')
  util::temp_dir ctx
  mkdir -p "$ctx/cnb"
  tar -xzf "$tgz" -C "$ctx/cnb"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
LABEL io.buildpacks.lifecycle.version="${LIFECYCLE_VERSION}" \\
      io.buildpacks.lifecycle.apis='${apis}' \\
      io.buildpacks.builder.metadata='{"lifecycle":{"version":"${LIFECYCLE_VERSION}"},"api":{"buildpack":"0.7","platform":"0.7"}}'
COPY cnb /cnb
DOCKERFILE
  util::run_logged "${KPACK_LOGS}/image-lifecycle.log" env DOCKER_BUILDKIT=0 docker build -q -t "tilt-live/kpack-lifecycle:${KPACK_VERSION}" "$ctx"
  docker tag tilt-live/stack-build:latest "tilt-live/kpack-stack-build:${KPACK_VERSION}"
}

# ---- on the cluster ----------------------------------------------------------------------------------------------

KPACK_RUN="${KPACK_HOME}/run"

# kpack::cluster_env: KUBECONFIG, kubectl on PATH and the cluster's registry names (k8s.sh env): Docker pushes to
# TILT_LIVE_K8S_REGISTRY (127.0.0.1); everything in the cluster (the node's containerd, build pods) names the same
# registry TILT_LIVE_K8S_POD_REGISTRY, the pod bridge's address (build pods run the lifecycle in their own network
# namespace, where 127.0.0.1 is the pod).
kpack::cluster_env() {
  eval "$(bash "${TILT_LIVE_ROOT}/scripts/platform/k8s.sh" env)"
  kpack::cluster_up || util::die "the local cluster is not running: scripts/platform/k8s.sh start"
}

kpack::cluster_up() { kubectl get --raw /readyz >/dev/null 2>&1; }

# kpack::push NAME...: tilt-live/kpack-NAME:VERSION into the cluster's registry as kpack/NAME:VERSION.
kpack::push() {
  local name ref
  for name in "$@"; do
    ref="${TILT_LIVE_K8S_REGISTRY}/kpack/${name}:${KPACK_VERSION}"
    docker tag "tilt-live/kpack-${name}:${KPACK_VERSION}" "$ref"
    util::run_logged "${KPACK_LOGS}/push-${name}.log" docker push "$ref"
    docker rmi "$ref" >/dev/null
  done
}

# kpack::start [REGISTRY]: kpack on the running cluster, with a ClusterBuildpack per package and the ClusterBuilder
# tilt-live whose order is the meta-buildpack. REGISTRY holds the packages as `npm run package -- --publish REGISTRY`
# pushes them, and kpack's controller must reach it (it runs on the host's network); without one, the packages are
# published into the cluster's registry first.
kpack::start() {
  local registry="${1:-}"
  kpack::binaries_in "${KPACK_BIN}" || util::die "kpack ${KPACK_VERSION} is not built: run scripts/platform/kpack.sh build"
  kpack::cluster_env
  mkdir -p "${KPACK_RUN}" "${KPACK_LOGS}"
  util::timed "Images to ${TILT_LIVE_K8S_REGISTRY}" kpack::push "${KPACK_COMMANDS[@]}" lifecycle stack-build
  if [[ -z "$registry" ]]; then
    registry="${TILT_LIVE_K8S_POD_REGISTRY}"
    util::timed "Packages to ${registry}" util::run_logged "${KPACK_LOGS}/package.log" \
      bash "${TILT_LIVE_ROOT}/scripts/package.sh" --publish "${registry}"
  fi
  local module
  module=$(util::go_module_or_die "${KPACK_MODULE}@v${KPACK_VERSION}" "${KPACK_LOGS}/download.log")
  platform::apt_install python3-yaml # kpack/render.py reads kpack's manifests with PyYAML
  python3 "$(dirname "${BASH_SOURCE[0]}")/kpack/render.py" "$module/config" "${TILT_LIVE_K8S_POD_REGISTRY}" \
    "${KPACK_VERSION}" >"${KPACK_RUN}/kpack.yaml"
  util::timed "kpack applied, controller and webhook up" kpack::apply
  kpack::resources "$registry" "$(node -p "require('${TILT_LIVE_ROOT}/package.json').version")" >"${KPACK_RUN}/resources.yaml"
  util::timed "ClusterBuilder tilt-live (packages from ${registry})" kpack::apply_builder
}

kpack::apply() {
  util::run_logged "${KPACK_LOGS}/apply.log" kubectl apply -f "${KPACK_RUN}/kpack.yaml"
  util::run_logged "${KPACK_LOGS}/apply.log" kubectl -n kpack rollout status deploy/kpack-webhook deploy/kpack-controller --timeout=180s
  # The webhook fills in its CA when it first runs; until then the apiserver cannot call it.
  kpack::wait_for "kpack's webhook CA" 60 kpack::webhook_ready
}

kpack::apply_builder() {
  util::run_logged "${KPACK_LOGS}/apply.log" kubectl apply -f "${KPACK_RUN}/resources.yaml"
  if ! util::run_logged "${KPACK_LOGS}/apply.log" kubectl wait --for=condition=Ready clusterbuilder/tilt-live --timeout=300s; then
    kubectl get clusterbuilder tilt-live -o jsonpath='{.status.conditions}' >&2 || true
    util::die "ClusterBuilder tilt-live is not Ready (kpack's controller: kubectl -n kpack logs deploy/kpack-controller)"
  fi
}

# kpack::wait_for WHAT SECONDS CHECK...: CHECK until it succeeds, or stop naming WHAT.
kpack::wait_for() {
  local what="$1" seconds="$2" waited=0
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((waited < seconds * 5)) || util::die "${what}: not ready after ${seconds}s ($*)"
    sleep 0.2
    waited=$((waited + 1))
  done
}

kpack::webhook_ready() {
  [[ -n "$(kubectl get mutatingwebhookconfiguration defaults.webhook.kpack.io -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null)" ]]
}

# kpack::resources REGISTRY VERSION: the ClusterLifecycle, ClusterStack, a ClusterBuildpack per package in REGISTRY
# (the meta-buildpack's lists every buildpack it bundles, so a ClusterBuilder can name the Paketo groups from it too)
# and the ClusterBuilder tilt-live.
kpack::resources() {
  local registry="${TILT_LIVE_K8S_POD_REGISTRY}" packages="$1" version="$2"
  cat <<YAML
apiVersion: kpack.io/v1alpha2
kind: ClusterLifecycle
metadata: {name: default-lifecycle}
spec: {image: ${registry}/kpack/lifecycle:${KPACK_VERSION}}
---
apiVersion: kpack.io/v1alpha2
kind: ClusterStack
metadata: {name: tilt-live}
spec:
  id: ${STACK_ID}
  buildImage: {image: ${registry}/kpack/stack-build:${KPACK_VERSION}}
  runImage: {image: ${registry}/kpack/stack-build:${KPACK_VERSION}}
---
apiVersion: kpack.io/v1alpha2
kind: ClusterBuildpack
metadata: {name: tilt-live}
spec: {image: ${packages}/tilt-live:${version}}
---
apiVersion: kpack.io/v1alpha2
kind: ClusterBuildpack
metadata: {name: tilt-live-source}
spec: {image: ${packages}/tilt-live/source:${version}}
---
apiVersion: kpack.io/v1alpha2
kind: ClusterBuildpack
metadata: {name: tilt-live-live}
spec: {image: ${packages}/tilt-live/live:${version}}
---
apiVersion: kpack.io/v1alpha2
kind: ClusterBuilder
metadata: {name: tilt-live}
spec:
  tag: ${registry}/kpack/builder
  serviceAccountRef: {name: default, namespace: default}
  stack: {kind: ClusterStack, name: tilt-live}
  order:
  - group:
    - {kind: ClusterBuildpack, name: tilt-live, id: tilt-live/dev}
YAML
}

# kpack::stop: every kpack Image and Build (their pods with them), the cluster resources, then kpack itself. What it
# pushed stays in the cluster's registry until k8s.sh stop wipes it.
kpack::stop() {
  eval "$(bash "${TILT_LIVE_ROOT}/scripts/platform/k8s.sh" env)"
  kpack::cluster_up || {
    util::print::step "kpack: the cluster is not running (k8s.sh stop wiped kpack with it)"
    return 0
  }
  kubectl api-resources --api-group=kpack.io -o name 2>/dev/null | grep -q . || {
    util::print::step "kpack: not installed"
    return 0
  }
  util::run_logged "${KPACK_LOGS}/stop.log" kubectl delete --ignore-not-found images.kpack.io,builds.kpack.io --all -A --wait=true
  util::run_logged "${KPACK_LOGS}/stop.log" kubectl delete --ignore-not-found clusterbuilder/tilt-live \
    clusterbuildpack/tilt-live clusterbuildpack/tilt-live-source clusterbuildpack/tilt-live-live \
    clusterstack/tilt-live clusterlifecycle/default-lifecycle
  [[ ! -f "${KPACK_RUN}/kpack.yaml" ]] ||
    util::run_logged "${KPACK_LOGS}/stop.log" kubectl delete --ignore-not-found --wait=true -f "${KPACK_RUN}/kpack.yaml"
  util::print::step "kpack: removed"
}

# kpack::status: each of kpack's deployments and the builder on a line; exit 0 only when all are up.
kpack::status() {
  kpack::cluster_env
  local name available ready ok=0
  for name in kpack-controller kpack-webhook; do
    available=$(kubectl -n kpack get deploy "$name" -o jsonpath='{.status.availableReplicas}' 2>/dev/null || true)
    if ((${available:-0} >= 1)); then printf '%-26s available\n' "deploy/${name}"
    else printf '%-26s not available\n' "deploy/${name}"; ok=1; fi
  done
  ready=$(kubectl get clusterbuilder tilt-live -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
  if [[ "$ready" == True ]]; then
    printf '%-26s Ready (%s)\n' clusterbuilder/tilt-live "$(kubectl get clusterbuilder tilt-live -o jsonpath='{.status.latestImage}')"
  else
    printf '%-26s not Ready\n' clusterbuilder/tilt-live
    ok=1
  fi
  return "$ok"
}

main() {
  case "${1:-}" in
    binaries) util::timed "kpack ${KPACK_VERSION} binaries" kpack::build_binaries ;;
    build)
      util::timed "kpack ${KPACK_VERSION} binaries" kpack::build_binaries
      util::timed "kpack ${KPACK_VERSION} images" kpack::build_images
      util::timed "Lifecycle image for kpack" kpack::lifecycle_image
      ;;
    start)
      [[ $# -le 1 || ( "$2" == --packages && -n "${3:-}" ) ]] || { usage >&2; exit 2; }
      util::timed "kpack ${KPACK_VERSION} start" kpack::start "${3:-}"
      ;;
    stop) util::timed "kpack ${KPACK_VERSION} stop" kpack::stop ;;
    status) kpack::status; exit $? ;;
    -h | --help | help | "") usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
