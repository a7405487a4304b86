#!/usr/bin/env bash
# npm run package [-- --publish REGISTRY]: tilt-live as buildpacks ship (docs/packages.md), for linux/amd64 and
# linux/arm64:
#   tilt-live           the meta-buildpack tilt-live/dev: its order wraps each language group in the two parts, and
#                       it bundles every buildpack it references, as pack requires of a composite (each target gets
#                       that target's builds: scripts/platform/setup.sh --arch arm64 cross-builds the language groups)
#   tilt-live/source    the part that snapshots the source
#   tilt-live/live      the part `tilt-live` that makes the dev image
# Without --publish: one .cnb per buildpack and target in dist/packages/. With --publish REGISTRY: the same pushed to
# REGISTRY/<name>:<version> (one image index per buildpack, holding both targets), each digest printed; the .cnb
# files too. The version is package.json's (scripts/version.sh keeps the buildpack.toml files in step).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUT="${TILT_LIVE_ROOT}/dist/packages"
STAGE="${TILT_LIVE_ROOT}/dist/package-stage"
# The platforms tilt-live ships for: scripts/build.sh builds the parts for each, scripts/platform/setup.sh the
# language groups the meta-buildpack bundles (amd64 is the platform's own, arm64 its --arch build).
ARCHES=(amd64 arm64)

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
  for arch in "${ARCHES[@]}"; do
    printf '\n[[targets]]\n  os = "linux"\n  arch = "%s"\n' "$arch" >>"$dir/buildpack.toml"
  done
  for arch in "${ARCHES[@]}"; do
    src="${TILT_LIVE_ROOT}/dist/buildpacks"
    [[ "$arch" == amd64 ]] || src="${src}-${arch}"
    mkdir -p "$dir/linux/$arch"
    cp -al "$src/${name}/." "$dir/linux/$arch/"
    cp "$dir/buildpack.toml" "$dir/linux/$arch/buildpack.toml"
  done
  printf '[buildpack]\n  uri = "%s"\n\n[platform]\n  os = "linux"\n' "$dir" >"${STAGE}/${name}.package.toml"
}

# stage_meta ARCH: dist/package-stage/meta-ARCH (the composite's buildpack.toml) and meta-ARCH.package.toml, whose
# dependencies are every buildpack the composite's order names, as built for ARCH. One package.toml per target: pack
# takes a dependency's directory only for a single-target package (for several it wants docker:// refs of
# multi-target packages), so publish() makes the index of the meta-buildpack from its per-target images.
stage_meta() {
  local arch="$1" deps
  rm -rf "${STAGE}/meta-${arch}"
  mapfile -t deps < <(PLATFORM_ARCH="$arch" bash "${TILT_LIVE_ROOT}/scripts/platform/builder.sh" meta-package "${STAGE}/meta-${arch}")
  ((${#deps[@]} > 2)) || util::die "scripts/platform/builder.sh meta-package named no language buildpack for ${arch}"
  {
    printf '[buildpack]\n  uri = "%s"\n\n[platform]\n  os = "linux"\n' "${STAGE}/meta-${arch}"
    printf '\n[[targets]]\n  os = "linux"\n  arch = "%s"\n' "$arch"
    printf '\n[[dependencies]]\n  uri = "%s"\n' "${deps[@]}"
  } >"${STAGE}/meta-${arch}.package.toml"
}

# package_file CONFIG NAME VERSION ARCH: dist/packages/NAME-VERSION-linux-ARCH.cnb.
package_file() {
  local config="$1" name="$2" version="$3" arch="$4"
  rm -f "${OUT}/${name}-${version}-linux-${arch}.cnb"
  util::run_logged "${STAGE}/pack-${name}-${arch}.log" "$PACK" buildpack package \
    "${OUT}/${name}-${version}-linux-${arch}.cnb" --config "$config" --format file --target "linux/${arch}"
}

# digest REGISTRY REPO TAG: the manifest (or index) digest the registry serves for REPO:TAG.
digest() {
  local scheme sha
  for scheme in $(util::registry_schemes "$1"); do
    sha=$(curl -fsSI --max-time 10 \
      -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
      "${scheme}://$1/v2/$2/manifests/$3" 2>/dev/null | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p') || continue
    [[ -n "$sha" ]] && printf '%s\n' "$sha" && return 0
  done
  return 0
}

# publish REGISTRY REPO VERSION ARCH=CONFIG...: REGISTRY/REPO:VERSION as an image index of one image per ARCH, each
# packaged from its CONFIG, and prints "REGISTRY/REPO:VERSION@DIGEST" (stdout: the one thing the script prints there).
# As `pack buildpack package --publish --target ...` does: each target's image pushed to the tag in turn, then the
# index over their digests (`pack manifest create`, an experimental command: a PACK_HOME of its own says so).
publish() {
  local registry="$1" repo="$2" version="$3" spec arch digests=() sha pack_home
  shift 3
  for spec in "$@"; do
    arch="${spec%%=*}"
    util::run_logged "${STAGE}/publish-${repo//\//_}-${arch}.log" "$PACK" buildpack package "${registry}/${repo}:${version}" \
      --config "${spec#*=}" --publish --target "linux/${arch}"
    sha=$(digest "$registry" "$repo" "$version")
    [[ -n "$sha" ]] || util::die "pushed ${registry}/${repo}:${version} (linux/${arch}), but the registry serves no digest for it"
    digests+=("${registry}/${repo}@${sha}")
  done
  util::temp_dir pack_home
  printf 'experimental = true\n' >"${pack_home}/config.toml"
  PACK_HOME="$pack_home" util::run_logged "${STAGE}/publish-${repo//\//_}-index.log" "$PACK" manifest create \
    "${registry}/${repo}:${version}" "${digests[@]}" --publish
  sha=$(digest "$registry" "$repo" "$version")
  [[ -n "$sha" ]] || util::die "pushed the index ${registry}/${repo}:${version}, but the registry serves no digest for it"
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
  for arch in "${ARCHES[@]}"; do
    [[ "$arch" == amd64 || "dist/buildpacks-${arch}/tilt-live/bin/tilt-live" -nt "$amd64" ]] ||
      util::timed "Build (${arch})" bash scripts/build.sh --arch "$arch"
  done
  for arch in "${ARCHES[@]}"; do
    [[ "$arch" == amd64 ]] || util::timed "Language groups (linux/${arch})" bash scripts/platform/setup.sh --arch "$arch"
  done
  mkdir -p "$OUT" "$STAGE"
  stage_part tilt-live-source
  stage_part tilt-live
  for arch in "${ARCHES[@]}"; do stage_meta "$arch"; done
  # Each target's .cnb files and the publish side by side: pack packages on one core (about 60 s per target's files
  # and 55 s for the publish, one after another, on two cores).
  local jobs=() published="${STAGE}/published.txt"
  for arch in "${ARCHES[@]}"; do
    util::timed "linux/${arch} .cnb files" package_files "$version" "$arch" &
    jobs+=("$!")
  done
  if [[ -n "$registry" ]]; then
    util::timed "Published to ${registry}" publish_all "$registry" "$version" >"$published" &
    jobs+=("$!")
  fi
  util::wait_all "npm run package" "${jobs[@]}"
  local file
  for file in "${OUT}"/*-"${version}"-linux-*.cnb; do
    util::print::info "$(du -h "$file" | cut -f1)	${file#"${TILT_LIVE_ROOT}"/}"
  done
  [[ -z "$registry" ]] || cat "$published"
}

# publish_all REGISTRY VERSION: both parts and the meta-buildpack, each an index of ARCHES; prints their references.
publish_all() {
  local registry="$1" version="$2" arch source=() live=() meta=()
  for arch in "${ARCHES[@]}"; do
    source+=("${arch}=${STAGE}/tilt-live-source.package.toml")
    live+=("${arch}=${STAGE}/tilt-live.package.toml")
    meta+=("${arch}=${STAGE}/meta-${arch}.package.toml")
  done
  publish "$registry" tilt-live/source "$version" "${source[@]}"
  publish "$registry" tilt-live/live "$version" "${live[@]}"
  publish "$registry" tilt-live "$version" "${meta[@]}"
}

# package_files VERSION ARCH: the .cnb file of each buildpack for ARCH.
package_files() {
  local version="$1" arch="$2"
  package_file "${STAGE}/tilt-live-source.package.toml" tilt-live-source "$version" "$arch"
  package_file "${STAGE}/tilt-live.package.toml" tilt-live-live "$version" "$arch"
  package_file "${STAGE}/meta-${arch}.package.toml" tilt-live "$version" "$arch"
}

main "$@"
