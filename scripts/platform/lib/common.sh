#!/usr/bin/env bash
# Shared state of the platform scripts: where each step keeps its cached output, and small helpers.
# Sourced by setup.sh, builder.sh and env.sh after scripts/lib.sh.
# shellcheck disable=SC2034 # the names below are used by the files that source this one

PLATFORM_SRC="${TILT_LIVE_ROOT}/platform"
PLATFORM_CACHE="${TILT_LIVE_CACHE}/platform"
PLATFORM_LOGS="${PLATFORM_CACHE}/logs"
PLATFORM_ENV_FILE="${PLATFORM_CACHE}/platform.env"
PLATFORM_JSON_FILE="${PLATFORM_CACHE}/platform.json"

# Fixes the platform applies to the lifecycle's source before building it (platform/lifecycle/*.patch, each says why);
# their hash is part of the cache key, so a patched lifecycle never replaces a cached one that another run uses.
LIFECYCLE_PATCHES=("${PLATFORM_SRC}"/lifecycle/*.patch)
LIFECYCLE_PATCHES_KEY=$(cat "${LIFECYCLE_PATCHES[@]}" | sha256sum | cut -c1-12)
LIFECYCLE_DIR="${TILT_LIVE_CACHE}/bin/lifecycle-v${LIFECYCLE_VERSION}-${LIFECYCLE_PATCHES_KEY}"
LIFECYCLE_BIN_DIR="${LIFECYCLE_DIR}/linux-amd64/lifecycle"
LIFECYCLE_TGZ="${LIFECYCLE_DIR}/lifecycle-v${LIFECYCLE_VERSION}+linux.x86-64.tgz"
LIFECYCLE_IMAGE="buildpacksio/lifecycle:${LIFECYCLE_VERSION}"
PACK_BIN="${TILT_LIVE_CACHE}/bin/pack-v${PACK_VERSION}/pack"
# pack keeps its config (trusted builders, experimental flags) here instead of ~/.pack.
PACK_HOME="${PLATFORM_CACHE}/pack-home"
export PACK_HOME
# pack names its cache volumes with this key; unset, pack makes (and stores) a new key for each image name.
PACK_VOLUME_KEY="${PACK_VOLUME_KEY:-tilt-live-local}"
export PACK_VOLUME_KEY

# The architecture the language groups' buildpacks are built for: amd64, this machine's and the builder's, or arm64
# (setup.sh --arch arm64): the same buildpacks cross-built for the meta-buildpack's linux/arm64 package, which never
# run here. Fixed when this file is sourced: every dir below that holds compiled code carries it.
PLATFORM_ARCH="${PLATFORM_ARCH:-amd64}"
case "${PLATFORM_ARCH}" in
  amd64) PLATFORM_ARCH_SUFFIX="" ;;
  arm64) PLATFORM_ARCH_SUFFIX="-arm64" ;;
  *) util::die "PLATFORM_ARCH must be amd64 or arm64 (got '${PLATFORM_ARCH}')" ;;
esac

BUILDER_IMAGE="tilt-live/builder-go:latest"
BUILDER_REPO="tilt-live/builder-go"
# The language groups of the builder's order, in the order it tries them. setup.sh --lang narrows
# BUILDER_LANGUAGES to one: the builder is then tilt-live/builder-<lang>-only (builder.sh), never the full one.
ALL_LANGUAGES=(node python go java)
BUILDER_LANGUAGES=("${ALL_LANGUAGES[@]}")
# platform::paketo::dir NAME VERSION: where the Paketo buildpack NAME is assembled (scripts/platform/lib/paketo.sh), for
# PLATFORM_ARCH.
platform::paketo::dir() { printf '%s/buildpacks/paketo-%s/%s%s' "${TILT_LIVE_CACHE}" "$1" "$2" "${PLATFORM_ARCH_SUFFIX}"; }
GO_BUILD_DIR=$(platform::paketo::dir go-build "${PAKETO_GO_BUILD_VERSION}")
GO_MOD_VENDOR_DIR=$(platform::paketo::dir go-mod-vendor "${PAKETO_GO_MOD_VENDOR_VERSION}")
NPM_INSTALL_DIR=$(platform::paketo::dir npm-install "${PAKETO_NPM_INSTALL_VERSION}")
NODE_START_DIR=$(platform::paketo::dir node-start "${PAKETO_NODE_START_VERSION}")
PIP_INSTALL_DIR=$(platform::paketo::dir pip-install "${PAKETO_PIP_INSTALL_VERSION}")
PYTHON_START_DIR=$(platform::paketo::dir python-start "${PAKETO_PYTHON_START_VERSION}")
PROCFILE_DIR=$(platform::paketo::dir procfile "${PAKETO_PROCFILE_VERSION}")
MAVEN_DIR=$(platform::paketo::dir maven "${PAKETO_MAVEN_VERSION}")
EXECUTABLE_JAR_DIR=$(platform::paketo::dir executable-jar "${PAKETO_EXECUTABLE_JAR_VERSION}")
SPRING_BOOT_DIR=$(platform::paketo::dir spring-boot "${PAKETO_SPRING_BOOT_VERSION}")
# The tilt-live buildpacks (npm run build; scripts/build.sh --arch arm64 for arm64); overridable to try a builder with
# other copies.
TILT_LIVE_SOURCE_BP_DIR="${TILT_LIVE_SOURCE_BP_DIR:-${TILT_LIVE_ROOT}/dist/buildpacks${PLATFORM_ARCH_SUFFIX}/tilt-live-source}"
TILT_LIVE_BP_DIR="${TILT_LIVE_BP_DIR:-${TILT_LIVE_ROOT}/dist/buildpacks${PLATFORM_ARCH_SUFFIX}/tilt-live}"

mkdir -p "${PLATFORM_CACHE}" "${PLATFORM_LOGS}"

# platform::lock: one setup or builder run at a time per cache (other sessions or test files may start one too).
platform::lock() {
  util::hold_lock "${PLATFORM_CACHE}/setup.lock" 1800 "Another platform setup"
}

# platform::hash: short sha256 of stdin, used as a cache key.
platform::hash() { sha256sum | cut -c1-12; }

# platform::emulator ARCH: how to run an ARCH binary here, for smoke tests of cross builds: directly (prints nothing),
# or under qemu-user (installed when missing) for arm64.
platform::emulator() {
  if [[ "$1" == arm64 ]]; then
    command -v qemu-aarch64-static >/dev/null || platform::apt_install qemu-user-static
    printf 'qemu-aarch64-static\n'
  fi
}

# platform::check_elf_arch PATH...: every ELF executable in PATH (files, or dirs searched) is built for PLATFORM_ARCH
# (e_machine 62 x86-64, 183 AArch64); stops naming the first that is not. A cross build that silently produced host
# binaries would otherwise only fail on a user's arm64 machine.
platform::check_elf_arch() {
  local want file machine
  case "${PLATFORM_ARCH}" in amd64) want=62 ;; arm64) want=183 ;; esac
  while IFS= read -r -d '' file; do
    [[ "$(head -c4 "$file" | od -An -c | tr -d ' ')" == '177ELF' ]] || continue
    machine=$(od -An -tu2 -j18 -N2 "$file" | tr -d ' ')
    [[ "$machine" == "$want" ]] ||
      util::die "${file} is an ELF file for machine ${machine}, not ${PLATFORM_ARCH} (${want}): the cross build went wrong"
  done < <(find "$@" -type f -perm -u+x -print0)
}

# platform::tree_sha256 DIR: sha256 of every path, mode and file content under DIR (symlinks by target).
platform::tree_sha256() {
  (cd "$1" && find . -printf '%p %m %y %l\n' | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1
}
platform::tree_hash() { platform::tree_sha256 "$1" | cut -c1-12; }

platform::image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

platform::image_label() {
  docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

# platform::stack_key KIND: cache key of the stack image KIND (build|run) from the suite and its package list.
platform::stack_key() {
  local pkgs
  case "$1" in
    build) pkgs="${STACK_BUILD_PACKAGES}" ;;
    run) pkgs="${STACK_RUN_PACKAGES}" ;;
    *) util::die "unknown stack kind: $1" ;;
  esac
  printf '%s\n' "${DEBIAN_SUITE}" "minbase" "${pkgs}" "${STACK_ID}" "$(cat "${PLATFORM_SRC}/stack/Dockerfile")" |
    platform::hash
}

# platform::remove_superseded REPO KEEP WHAT: removes the images of REPO other than KEEP and REPO:latest (made
# from earlier inputs: they would pile up in Docker's image store with every version bump) and prints the tag of
# each one removed. One still in use (a container, or an image built on it) stays, with a note; never fails.
platform::remove_superseded() {
  local repo="$1" keep="$2" what="$3" old
  for old in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo"); do
    [[ "$old" == "$keep" || "$old" == "${repo}:latest" ]] && continue
    if docker image rm "$old" >/dev/null 2>&1; then
      util::print::info "Removed old ${what} ${old}"
      printf '%s\n' "${old##*:}"
    else
      util::print::info "Could not remove old ${what} ${old} (in use?)"
    fi
  done
}

platform::stack_image() { printf 'tilt-live/stack-%s:%s' "$1" "$(platform::stack_key "$1")"; }

# platform::apt_install PKG...: installs the missing ones; runs apt-get update at most once per process.
PLATFORM_APT_UPDATED=""
platform::apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || util::die "need root to install ${missing[*]} (apt-get); run as root or install them"
  util::print::info "Installing ${missing[*]} (apt-get)"
  if [[ -z "${PLATFORM_APT_UPDATED}" ]]; then
    util::run_logged "${PLATFORM_LOGS}/apt-update.log" apt-get update
    PLATFORM_APT_UPDATED=1
  fi
  util::run_logged "${PLATFORM_LOGS}/apt-install.log" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}


# The upstream bundle: release sources (git archive tarballs, sha256 in MANIFEST.tsv) of the parts the Go module
# proxy here refuses. Default: ../shared/upstream beside the checkout; TILT_LIVE_UPSTREAM_DIR points elsewhere.
UPSTREAM_DIR="${TILT_LIVE_UPSTREAM_DIR:-$(cd "${TILT_LIVE_ROOT}/.." && pwd)/shared/upstream}"
UPSTREAM_CACHE="${TILT_LIVE_CACHE}/src/upstream"

# platform::upstream::row REPOSITORY TAG: the MANIFEST.tsv row (archive, repository, tag, commit, sha256) of that
# release, or nothing.
platform::upstream::row() {
  [[ -f "${UPSTREAM_DIR}/MANIFEST.tsv" ]] || return 0
  awk -F'\t' -v repo="$1" -v tag="$2" 'NR > 1 && $2 == repo && $3 == tag { print; exit }' "${UPSTREAM_DIR}/MANIFEST.tsv"
}

# platform::upstream::unpack ARCHIVE SHA256: verifies ARCHIVE (a file name in the bundle) against SHA256, unpacks it
# once into the cache (keyed by the checksum) and prints the directory of its single top-level folder.
platform::upstream::unpack() {
  local archive="$1" want="$2" path="${UPSTREAM_DIR}/$1" have dest
  dest="${UPSTREAM_CACHE}/${want:0:12}"
  if [[ -f "$dest/.complete" ]]; then
    printf '%s\n' "$dest"/*/ | head -n1 | sed 's:/$::'
    return 0
  fi
  [[ -f "$path" ]] || {
    util::print::error "upstream archive ${archive} is missing from ${UPSTREAM_DIR}"
    util::print::error "put the release there (see its MANIFEST.tsv) or set TILT_LIVE_UPSTREAM_DIR to a copy that has it"
    return 1
  }
  have=$(sha256sum "$path" | cut -d' ' -f1)
  [[ "$have" == "$want" ]] || {
    util::print::error "upstream archive ${path} is corrupt: sha256 ${have}, MANIFEST.tsv says ${want}"
    util::print::error "replace it with the release named in ${UPSTREAM_DIR}/MANIFEST.tsv, or set TILT_LIVE_UPSTREAM_DIR to a good copy"
    return 1
  }
  rm -rf "$dest" && mkdir -p "$dest"
  tar -xzf "$path" -C "$dest" || { util::print::error "cannot unpack ${path} into ${dest}"; return 1; }
  touch "$dest/.complete"
  printf '%s\n' "$dest"/*/ | head -n1 | sed 's:/$::'
}

# platform::upstream::archive_dir REPOSITORY TAG: the unpacked source of that release from the bundle.
platform::upstream::archive_dir() {
  local row archive sha
  row=$(platform::upstream::row "$1" "$2")
  if [[ -z "$row" ]]; then
    util::print::error "${UPSTREAM_DIR}/MANIFEST.tsv lists no release $1 $2 (TILT_LIVE_UPSTREAM_DIR=${TILT_LIVE_UPSTREAM_DIR:-unset})"
    util::print::error "a machine with internet access can fill the bundle with 'git archive' of that tag (see scripts/platform/README.md)"
    return 1
  fi
  archive=$(cut -f1 <<<"$row")
  sha=$(cut -f5 <<<"$row")
  platform::upstream::unpack "$archive" "$sha"
}

# platform::module_source MODULE VERSION: prints a directory holding the source of MODULE at VERSION (a Go module
# version). From the Go module proxy where it serves it (read-only, in the module cache), otherwise from the
# upstream bundle's archive of the matching release tag (module path without /vN, tag without +incompatible).
platform::module_source() {
  local module="$1" version="$2" log repo tag
  log="${PLATFORM_LOGS}/go-module-$(tr '/@' '__' <<<"${module}@${version}").log"
  util::go_module "${module}@${version}" "$log" && return 0
  repo=$(sed -E 's:/v[0-9]+$::' <<<"$module")
  tag="${version%+incompatible}"
  util::print::info "The Go module proxy does not serve ${module}@${version}; taking ${repo} ${tag} from ${UPSTREAM_DIR}" >&2
  platform::upstream::archive_dir "$repo" "$tag" && return 0
  util::print::error "the Go module proxy did not serve ${module}@${version} either:"
  grep -m3 -E 'Error|403|404' "$log" | sed 's/^/    /' >&2
  return 1
}
