#!/usr/bin/env bash
# npm run package [-- --publish REGISTRY]: tilt-live as buildpacks ship (docs/packages.md).
#   tilt-live           the meta-buildpack tilt-live/dev: its order wraps each language group in the two parts, and
#                       it bundles every buildpack it references, as pack requires of a composite (linux/amd64)
#   tilt-live/source    the part that snapshots the source (linux/amd64 and linux/arm64)
#   tilt-live/live      the part `tilt-live` that makes the dev image (linux/amd64 and linux/arm64)
# Without --publish: one .cnb per buildpack and target in dist/packages/. With --publish REGISTRY: the same pushed to
# REGISTRY/<name>:<version> (one image index per part, holding both targets), each digest printed; the .cnb files too.
# The version is package.json's (scripts/version.sh keeps the buildpack.toml files in step).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUT="${TILT_LIVE_ROOT}/dist/packages"
STAGE="${TILT_LIVE_ROOT}/dist/package-stage"
# The platforms the parts ship for; scripts/build.sh builds each.
PART_ARCHES=(amd64 arm64)
# The meta-buildpack bundles the language buildpacks of this platform, whose toolchain stand-ins are amd64 builds.
META_ARCHES=(amd64)

usage() {
  cat <<USAGE
Usage: npm run package [-- --publish REGISTRY]
  (no flag)            dist/packages/<name>-<version>-linux-<arch>.cnb for the meta-buildpack and both parts
  --publish REGISTRY   also pushes REGISTRY/tilt-live:<version> (the meta-buildpack), REGISTRY/tilt-live/source:<version>
                       and REGISTRY/tilt-live/live:<version>, and prints their digests (plain HTTP for 127.0.0.1 and
                       localhost registries, as pack does)
Needs the platform (scripts/platform/setup.sh): pack, and the language buildpacks the meta-buildpack bundles.
USAGE
}

load_platform() {
  local env_file="${TILT_LIVE_CACHE}/platform/platform.env"
  [[ -f "$env_file" ]] || util::die "no platform: run scripts/platform/setup.sh first (it builds pack and the language buildpacks)"
  # shellcheck source=/dev/null
  source "$env_file"
  export PACK_HOME
}

# stage_part NAME: dist/package-stage/NAME, the part as pack's multi-target layout wants it: one buildpack.toml
# listing every target at the root, and each target's buildpack under linux/<arch>/ (hard links into dist/).
stage_part() {
  local name="$1" arch dir="${STAGE}/$1" src
  rm -rf "$dir"
  mkdir -p "$dir"
  sed '/^\[\[targets\]\]$/,/^$/d' "${TILT_LIVE_ROOT}/dist/buildpacks/${name}/buildpack.toml" >"$dir/buildpack.toml"
  for arch in "${PART_ARCHES[@]}"; do
    printf '\n[[targets]]\n  os = "linux"\n  arch = "%s"\n' "$arch" >>"$dir/buildpack.toml"
  done
  for arch in "${PART_ARCHES[@]}"; do
    src="${TILT_LIVE_ROOT}/dist/buildpacks"
    [[ "$arch" == amd64 ]] || src="${src}-${arch}"
    mkdir -p "$dir/linux/$arch"
    cp -al "$src/${name}/." "$dir/linux/$arch/"
    cp "$dir/buildpack.toml" "$dir/linux/$arch/buildpack.toml"
  done
  printf '[buildpack]\n  uri = "%s"\n\n[platform]\n  os = "linux"\n' "$dir" >"${STAGE}/${name}.package.toml"
}

# stage_meta: dist/package-stage/meta (the composite's buildpack.toml) and its package.toml, whose dependencies are
# every buildpack the composite's order names.
stage_meta() {
  local deps arch
  rm -rf "${STAGE}/meta"
  mapfile -t deps < <(bash "${TILT_LIVE_ROOT}/scripts/platform/builder.sh" meta-package "${STAGE}/meta")
  ((${#deps[@]} > 2)) || util::die "scripts/platform/builder.sh meta-package named no language buildpack"
  {
    printf '[buildpack]\n  uri = "%s"\n\n[platform]\n  os = "linux"\n' "${STAGE}/meta"
    for arch in "${META_ARCHES[@]}"; do printf '\n[[targets]]\n  os = "linux"\n  arch = "%s"\n' "$arch"; done
    printf '\n[[dependencies]]\n  uri = "%s"\n' "${deps[@]}"
  } >"${STAGE}/meta.package.toml"
}

# package_files CONFIG NAME VERSION ARCH...: dist/packages/NAME-VERSION-linux-ARCH.cnb for each ARCH.
package_files() {
  local config="$1" name="$2" version="$3" arch
  shift 3
  for arch in "$@"; do
    rm -f "${OUT}/${name}-${version}-linux-${arch}.cnb"
    util::run_logged "${STAGE}/pack-${name}-${arch}.log" "$PACK" buildpack package \
      "${OUT}/${name}-${version}-linux-${arch}.cnb" --config "$config" --format file --target "linux/${arch}"
  done
}

# registry_scheme REGISTRY: http for loopback registries (as pack and Docker treat them), else https.
registry_scheme() {
  case "$1" in
    localhost:* | localhost | 127.* | \[::1\]*) printf 'http\n' ;;
    *) printf 'https\n' ;;
  esac
}

# digest REGISTRY REPO TAG: the manifest (or index) digest the registry serves for REPO:TAG.
digest() {
  local url
  url="$(registry_scheme "$1")://$1/v2/$2/manifests/$3"
  curl -fsSI --max-time 10 \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
    "$url" | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'
}

# publish CONFIG REGISTRY REPO VERSION ARCH...: pushes REGISTRY/REPO:VERSION (an index when several ARCHes) and
# prints "REGISTRY/REPO:VERSION@DIGEST" (stdout: the one thing the script prints there).
publish() {
  local config="$1" registry="$2" repo="$3" version="$4" targets=() arch sha
  shift 4
  for arch in "$@"; do targets+=(--target "linux/${arch}"); done
  util::run_logged "${STAGE}/publish-${repo//\//_}.log" "$PACK" buildpack package "${registry}/${repo}:${version}" \
    --config "$config" --publish "${targets[@]}"
  sha=$(digest "$registry" "$repo" "$version")
  [[ -n "$sha" ]] || util::die "pushed ${registry}/${repo}:${version}, but the registry serves no digest for it"
  printf '%s/%s:%s@%s\n' "$registry" "$repo" "$version" "$sha"
}

main() {
  local registry=""
  while (($# > 0)); do
    case "$1" in
      --publish)
        [[ -n "${2:-}" ]] || util::die "--publish needs a registry (host:port)"
        registry="$2"
        shift 2
        ;;
      -h | --help) usage; exit 0 ;;
      *) usage; util::die "unknown argument $1" ;;
    esac
  done
  cd "$TILT_LIVE_ROOT"
  load_platform
  local version arch
  version=$(node -p 'require("./package.json").version')
  util::print::title "tilt-live package ${version}"
  # npm run package builds first (package.json); a caller that just built (npm test) reuses dist/. Other targets are
  # rebuilt when older than the amd64 executable.
  local amd64="dist/buildpacks/tilt-live/bin/tilt-live"
  [[ -x "$amd64" ]] || util::timed "Build (amd64)" bash scripts/build.sh
  for arch in "${PART_ARCHES[@]}"; do
    [[ "$arch" == amd64 || "dist/buildpacks-${arch}/tilt-live/bin/tilt-live" -nt "$amd64" ]] ||
      util::timed "Build (${arch})" bash scripts/build.sh --arch "$arch"
  done
  mkdir -p "$OUT" "$STAGE"
  stage_part tilt-live-source
  stage_part tilt-live
  stage_meta
  util::timed "tilt-live/source: .cnb per target" package_files "${STAGE}/tilt-live-source.package.toml" tilt-live-source "$version" "${PART_ARCHES[@]}"
  util::timed "tilt-live: .cnb per target" package_files "${STAGE}/tilt-live.package.toml" tilt-live-live "$version" "${PART_ARCHES[@]}"
  util::timed "tilt-live/dev (meta): .cnb per target" package_files "${STAGE}/meta.package.toml" tilt-live "$version" "${META_ARCHES[@]}"
  local file
  for file in "${OUT}"/*-"${version}"-linux-*.cnb; do
    util::print::info "$(du -h "$file" | cut -f1)	${file#"${TILT_LIVE_ROOT}"/}"
  done
  [[ -n "$registry" ]] || return 0
  util::print::step "Publishing to ${registry}"
  local refs=()
  refs+=("$(publish "${STAGE}/tilt-live-source.package.toml" "$registry" tilt-live/source "$version" "${PART_ARCHES[@]}")")
  refs+=("$(publish "${STAGE}/tilt-live.package.toml" "$registry" tilt-live/live "$version" "${PART_ARCHES[@]}")")
  refs+=("$(publish "${STAGE}/meta.package.toml" "$registry" tilt-live "$version" "${META_ARCHES[@]}")")
  printf '%s\n' "${refs[@]}"
}

main "$@"
