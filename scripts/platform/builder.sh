#!/usr/bin/env bash
# The builder, made offline with `pack builder create` (local lifecycle tarball, --pull-policy never). Its order has a
# group per language, tried in this order:
#   node:   paketo-buildpacks/node-engine (stand-in), npm-install, node-start
#   python: paketo-buildpacks/cpython (stand-in), pip (stand-in), pip-install, python-start, procfile (optional)
#   go:     paketo-buildpacks/go-dist (stand-in), go-mod-vendor (optional, when built), go-build
#   java:   tilt-live/debian-openjdk (jvm stand-in), paketo-buildpacks/syft (stand-in), maven, executable-jar,
#           spring-boot (optional; after executable-jar, as in Paketo's java composite)
#   also in the builder (not in its order) when they were built: tilt-live/source and tilt-live from
#   dist/buildpacks/ (npm run build), and the meta-buildpack tilt-live/dev that wraps each group above in them, so
#   `pack build --buildpack`/--pre-/--post-buildpack finds them inside.
# The image is tagged tilt-live/builder-go:<key>, key = hash of every input, and tilt-live/builder-go:latest (the
# name predates the Node.js and Python groups; tilt_live/ and the tests know it). With BUILDER_LANGUAGES narrowed
# to one language (setup.sh --lang, for the demo) it holds that group alone and is tagged
# tilt-live/builder-<lang>-only:<key> and :latest: a partial builder never takes the full one's name or key.
# Run alone (after setup.sh) to pick up new dist/buildpacks; builder images of other keys are removed.
#
# `builder.sh skaffold` makes the same builder as tilt-live/builder-skaffold:<key> and :latest, for Skaffold's
# `sync: auto`: its lifecycle descriptor (the lifecycle.toml of the tarball given to `pack builder create`) lists
# Platform API 0.7 and 0.8 only, so pack (which picks the newest Platform API both it and the descriptor list)
# builds at 0.8, where the lifecycle still exports the buildpacks' launch.toml [[bom]] in the
# io.buildpacks.build.metadata label; from 0.9 on it moves it to an SBOM file, and Skaffold reads its sync rules from
# that label. Same lifecycle binary, same buildpacks (docs/skaffold.md).
set -euo pipefail

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  # shellcheck source=../lib.sh
  source "${SCRIPT_DIR}/../lib.sh"
  source "${SCRIPT_DIR}/lib/common.sh"
  source "${SCRIPT_DIR}/lib/go-dist.sh"
  source "${SCRIPT_DIR}/lib/stand-ins.sh"
  source "${SCRIPT_DIR}/lib/stack.sh"
fi

BUILDER_CACHE="${PLATFORM_CACHE}/builder"
SKAFFOLD_BUILDER_IMAGE="tilt-live/builder-skaffold:latest"
SKAFFOLD_BUILDER_REPO="tilt-live/builder-skaffold"
# The newest Platform API at which lifecycle 0.20 still puts the launch BOM into io.buildpacks.build.metadata.
SKAFFOLD_MAX_PLATFORM_API="0.8"

# platform::builder::bp_version DIR: the [buildpack] version from DIR/buildpack.toml.
platform::builder::bp_version() {
  sed -n 's/^\s*version\s*=\s*"\(.*\)"/\1/p' "$1/buildpack.toml" | head -n1
}

platform::builder::bp_id() {
  sed -n 's/^\s*id\s*=\s*"\(.*\)"/\1/p' "$1/buildpack.toml" | head -n1
}

# platform::builder::group DIR[:optional]...: an [[order]] table whose group is these buildpacks, in turn.
platform::builder::group() {
  local entry dir
  printf '\n[[order]]\n'
  for entry in "$@"; do
    dir="${entry%:optional}"
    printf '\n  [[order.group]]\n    id = "%s"\n    version = "%s"\n' \
      "$(platform::builder::bp_id "$dir")" "$(platform::builder::bp_version "$dir")"
    [[ "$entry" == *:optional ]] && printf '    optional = true\n'
  done
  return 0
}

# platform::builder::members_of LANG: LANG's group, one buildpack dir per line, `:optional` after an optional one (after
# platform::builder::inputs sets the stand-in dirs). The one list of the language groups: the builder's order, its
# buildpacks and the meta-buildpack's order (platform::builder::meta_buildpack) all come from it.
platform::builder::members_of() {
  case "$1" in
    node) printf '%s\n' "${NODE_ENGINE_STAND_IN}" "${NPM_INSTALL_DIR}" "${NODE_START_DIR}" ;;
    python)
      printf '%s\n' "${CPYTHON_STAND_IN}" "${PIP_STAND_IN}" "${PIP_INSTALL_DIR}" "${PYTHON_START_DIR}" "${PROCFILE_DIR}:optional"
      ;;
    go)
      printf '%s\n' "${GO_DIST_STAND_IN}"
      if [[ -x "${GO_MOD_VENDOR_DIR}/bin/run" ]]; then printf '%s:optional\n' "${GO_MOD_VENDOR_DIR}"; fi
      printf '%s\n' "${GO_BUILD_DIR}"
      ;;
    java) printf '%s\n' "${JVM_STAND_IN}" "${SYFT_STAND_IN}" "${MAVEN_DIR}" "${EXECUTABLE_JAR_DIR}" "${SPRING_BOOT_DIR}:optional" ;;
    *) util::die "no language group '$1' (known: ${ALL_LANGUAGES[*]})" ;;
  esac
}

# platform::builder::group_of LANG: the [[order]] table of LANG's group.
platform::builder::group_of() {
  local members
  mapfile -t members < <(platform::builder::members_of "$1")
  platform::builder::group "${members[@]}"
}

# The meta-buildpack users name once (docs/usage-pack.md): a composite whose order wraps each language group in
# tilt-live's two parts, both optional, so that an app without a Tiltfile (or BP_TILT_LIVE_ENABLED=false) builds the
# plain production image through it.
META_BUILDPACK_ID="tilt-live/dev"

# platform::builder::meta_buildpack DIR: writes the meta-buildpack's buildpack.toml into DIR (version: the parts').
platform::builder::meta_buildpack() {
  local dir="$1" lang members version
  version=$(platform::builder::bp_version "${TILT_LIVE_BP_DIR}")
  mkdir -p "$dir"
  {
    cat <<EOF
# tilt-live's meta-buildpack (written by scripts/platform/builder.sh): name it once, on any app with a Tiltfile;
# its order picks the app's language group and wraps it in tilt-live/source and tilt-live.
api = "0.10"

[buildpack]
  id = "${META_BUILDPACK_ID}"
  name = "tilt-live (Go, Node.js, Python, Java)"
  version = "${version}"
  homepage = "https://github.com/tilt-live/tilt-live"
  description = "Live-update any Paketo-built app inside its running container: one name brings the app's language group and tilt-live around it"
  keywords = ["tilt", "live-update", "development", "meta"]

  [[buildpack.licenses]]
    type = "Apache-2.0"
EOF
    for lang in "${BUILDER_LANGUAGES[@]}"; do
      mapfile -t members < <(platform::builder::members_of "$lang")
      platform::builder::group "${TILT_LIVE_SOURCE_BP_DIR}:optional" "${members[@]}" "${TILT_LIVE_BP_DIR}:optional"
    done
  } >"$dir/buildpack.toml.tmp"
  mv -f "$dir/buildpack.toml.tmp" "$dir/buildpack.toml"
}

# platform::builder::toml LIFECYCLE_TGZ EXTRA_DIR...: the builder.toml on stdout (after platform::builder::inputs).
platform::builder::toml() {
  local lifecycle_tgz="$1" dir lang
  shift
  if [[ "$(platform::builder::repo)" == "${BUILDER_REPO}" ]]; then
    printf 'description = "tilt-live offline builder: Paketo Node.js, Python, Go and Java groups, toolchains from offline stand-ins"\n'
  else
    printf 'description = "tilt-live offline builder: the Paketo %s group alone, toolchains from offline stand-ins"\n' "${BUILDER_LANGUAGES[*]}"
  fi
  for dir in "${LANGUAGE_BUILDPACKS[@]}" "$@"; do
    printf '\n[[buildpacks]]\n  uri = "%s"\n' "$dir"
  done
  for lang in "${BUILDER_LANGUAGES[@]}"; do platform::builder::group_of "$lang"; done
  cat <<EOF

[lifecycle]
  uri = "${lifecycle_tgz}"

[stack]
  id = "${STACK_ID}"
  build-image = "$(platform::stack_image build)"
  run-image = "tilt-live/stack-run:latest"

[build]
  image = "$(platform::stack_image build)"

[run]
  [[run.images]]
    image = "tilt-live/stack-run:latest"
EOF
}

# platform::builder::buildpacks_of LANG: the buildpack dirs of LANG's group.
platform::builder::buildpacks_of() { platform::builder::members_of "$1" | sed 's/:optional$//'; }

# platform::builder::inputs: sets the stand-in dirs and LANGUAGE_BUILDPACKS (those of BUILDER_LANGUAGES); dies when
# one is missing.
platform::builder::inputs() {
  local dir lang
  GO_DIST_STAND_IN=$(platform::go_dist::dir)
  NODE_ENGINE_STAND_IN=$(platform::stand_in::dir node-engine)
  CPYTHON_STAND_IN=$(platform::stand_in::dir cpython)
  PIP_STAND_IN=$(platform::stand_in::dir pip)
  JVM_STAND_IN=$(platform::stand_in::dir jvm)
  SYFT_STAND_IN=$(platform::stand_in::dir syft)
  LANGUAGE_BUILDPACKS=()
  # Listed go, node, python, java: the order the builder's key hashes.
  for lang in go node python java; do
    [[ " ${BUILDER_LANGUAGES[*]} " == *" ${lang} "* ]] || continue
    mapfile -t -O "${#LANGUAGE_BUILDPACKS[@]}" LANGUAGE_BUILDPACKS < <(platform::builder::buildpacks_of "$lang")
  done
  for dir in "${LANGUAGE_BUILDPACKS[@]}"; do
    [[ -L "$dir/bin/build" || -f "$dir/toolchain.sha256" ]] ||
      util::die "buildpack missing or not assembled ($dir): run scripts/platform/setup.sh"
  done
}

# platform::builder::repo: the builder's image name without tag: the full builder's, or a one-language builder's.
platform::builder::repo() {
  if [[ "${BUILDER_LANGUAGES[*]}" == "${ALL_LANGUAGES[*]}" ]]; then
    printf '%s\n' "${BUILDER_REPO}"
  else
    local IFS=-
    printf 'tilt-live/builder-%s-only\n' "${BUILDER_LANGUAGES[*]}"
  fi
}

platform::builder::latest() { printf '%s:latest\n' "$(platform::builder::repo)"; }

# platform::builder::current: the image (repo:key) of the builder last made for BUILDER_LANGUAGES.
platform::builder::current() { cat "${BUILDER_CACHE}/current-$(platform::builder::repo | tr / _)"; }

# platform::builder::api_list_upto MAX: reads a TOML list of versions ("0.7", "0.8", ...) on stdin and prints the
# list of those <= MAX in the same form.
platform::builder::api_list_upto() {
  tr -d ' "[]' | tr ',' '\n' | awk -v max="$1" -F. '
    BEGIN { split(max, m, ".") }
    NF == 2 && ($1 < m[1] || ($1 == m[1] && $2 <= m[2])) { out = out (out == "" ? "" : ", ") "\"" $0 "\"" }
    END { print "[" out "]" }'
}

# platform::builder::capped_lifecycle MAX: prints the path of a copy of the lifecycle tarball whose lifecycle.toml
# lists only the Platform APIs up to MAX, supported and deprecated alike (made once; the binaries are the same).
platform::builder::capped_lifecycle() {
  local max="$1" out="${LIFECYCLE_TGZ%.tgz}.platform-api-max-${1}.tgz" work key list
  if [[ ! -f "$out" || "$out" -ot "${LIFECYCLE_TGZ}" ]]; then
    util::temp_dir work
    tar -xzf "${LIFECYCLE_TGZ}" -C "$work"
    for key in supported deprecated; do
      list=$(sed -n "/^\[apis.platform\]/,/^\[/ s/^\s*${key}\s*=\s*\(\[.*\]\)/\1/p" "$work/lifecycle.toml" |
        platform::builder::api_list_upto "$max")
      if [[ "$key" == supported && "$list" != *"\"${max}\""* ]]; then
        util::die "step builder: lifecycle ${LIFECYCLE_VERSION} does not support Platform API ${max} (${LIFECYCLE_TGZ}: lifecycle.toml [apis.platform])"
      fi
      sed -i "/^\[apis.platform\]/,/^\[/ s/^\(\s*${key}\s*=\s*\).*/\1${list}/" "$work/lifecycle.toml"
    done
    tar -czf "${out}.tmp" -C "$work" lifecycle.toml lifecycle
    rm -rf "$work"
    mv -f "${out}.tmp" "$out"
  fi
  printf '%s\n' "$out"
}

# platform::builder::ensure [skaffold]: the builder (or its Skaffold variant), made when its inputs changed.
platform::builder::ensure() {
  local extras=() dir expected toml key image inputs repo latest lifecycle_tgz="${LIFECYCLE_TGZ}"
  repo=$(platform::builder::repo)
  latest=$(platform::builder::latest)
  if [[ "${1:-}" == skaffold ]]; then
    repo="${SKAFFOLD_BUILDER_REPO}" latest="${SKAFFOLD_BUILDER_IMAGE}"
  fi
  platform::builder::inputs
  [[ -f "${LIFECYCLE_TGZ}" && -x "${PACK_BIN}" ]] || util::die "lifecycle or pack missing: run scripts/platform/setup.sh"
  if [[ "${1:-}" == skaffold ]]; then
    lifecycle_tgz=$(platform::builder::capped_lifecycle "${SKAFFOLD_MAX_PLATFORM_API}")
  fi
  for dir in "${TILT_LIVE_SOURCE_BP_DIR}" "${TILT_LIVE_BP_DIR}"; do
    [[ -f "$dir/buildpack.toml" ]] || continue
    case "$dir" in
      "${TILT_LIVE_SOURCE_BP_DIR}") expected="tilt-live/source" ;;
      *) expected="tilt-live" ;;
    esac
    [[ "$(platform::builder::bp_id "$dir")" == "$expected" ]] ||
      util::die "$dir/buildpack.toml: id is '$(platform::builder::bp_id "$dir")', expected '$expected'"
    extras+=("$dir")
  done
  ((${#extras[@]} > 0)) || util::print::info "No tilt-live buildpacks in dist/buildpacks (npm run build makes them)"
  if ((${#extras[@]} == 2)); then
    # The meta-buildpack too, so that `--buildpack tilt-live/dev` finds it in the builder.
    platform::builder::meta_buildpack "${BUILDER_CACHE}/meta-buildpack"
    extras+=("${BUILDER_CACHE}/meta-buildpack")
  fi

  mkdir -p "${BUILDER_CACHE}"
  toml=$(platform::builder::toml "${lifecycle_tgz}" "${extras[@]}")
  # Key: the builder.toml (names every input path and version) plus the content of each input.
  inputs=$(
    printf '%s\n' "$toml"
    docker image inspect --format '{{.Id}}' "$(platform::stack_image build)" "tilt-live/stack-run:latest"
    tar -xzOf "${lifecycle_tgz}" lifecycle.toml | sha256sum | cut -d' ' -f1
    sha256sum "${LIFECYCLE_TGZ}" | cut -d' ' -f1
    for dir in "${LANGUAGE_BUILDPACKS[@]}" "${extras[@]}"; do
      if [[ -f "$dir/toolchain.sha256" ]]; then
        cat "$dir/toolchain.sha256" # a stand-in: its directory name already hashes its own files
      else
        platform::tree_sha256 "$dir"
      fi
    done
  )
  key=$(printf '%s' "$inputs" | platform::hash)
  image="${repo}:${key}"
  if platform::image_exists "$image"; then
    util::print::info "Reusing builder ${image}"
  else
    printf '%s\n' "$toml" >"${BUILDER_CACHE}/builder-${key}.toml"
    util::print::info "pack builder create ${image} (extra buildpacks: ${extras[*]:-none})"
    util::run_logged "${PLATFORM_LOGS}/builder-create.log" "${PACK_BIN}" builder create "$image" \
      --config "${BUILDER_CACHE}/builder-${key}.toml" --pull-policy never
    util::print::info "Made image ${image}"
  fi
  docker tag "$image" "${latest}"
  # `current` names the full builder's image (integration/faults-disabled.test.ts reads its builder.toml).
  [[ "$repo" == "${BUILDER_REPO}" ]] && printf '%s\n' "$image" >"${BUILDER_CACHE}/current"
  printf '%s\n' "$image" >"${BUILDER_CACHE}/current-${repo//\//_}"
  local removed
  for removed in $(platform::remove_superseded "$repo" "$image" builder); do
    rm -f "${BUILDER_CACHE}/builder-${removed}.toml"
  done
}

# platform::builder::meta_package DIR: the meta-buildpack's buildpack.toml in DIR, and on stdout every buildpack dir
# it references (tilt-live's parts from dist/buildpacks, the language groups' from the platform), one per line: what
# `pack buildpack package` needs beside it (scripts/package.sh).
platform::builder::meta_package() {
  local dir
  platform::builder::inputs
  for dir in "${TILT_LIVE_SOURCE_BP_DIR}" "${TILT_LIVE_BP_DIR}"; do
    [[ -f "$dir/buildpack.toml" ]] || util::die "no $dir/buildpack.toml: run npm run build"
  done
  platform::builder::meta_buildpack "$1"
  printf '%s\n' "${TILT_LIVE_SOURCE_BP_DIR}" "${TILT_LIVE_BP_DIR}" "${LANGUAGE_BUILDPACKS[@]}"
}

main() {
  case "${1:-}" in
    -h | --help)
      echo "Usage: scripts/platform/builder.sh            (re)makes ${BUILDER_IMAGE} from the cached platform parts"
      echo "       scripts/platform/builder.sh skaffold   (re)makes ${SKAFFOLD_BUILDER_IMAGE}: the same builder, built at Platform API ${SKAFFOLD_MAX_PLATFORM_API} (Skaffold's sync: auto)"
      echo "       scripts/platform/builder.sh meta-package DIR   writes the meta-buildpack into DIR and prints the buildpack dirs it references"
      return 0
      ;;
    meta-package)
      [[ -n "${2:-}" ]] || util::die "meta-package needs a directory"
      platform::builder::meta_package "$2"
      return 0
      ;;
    "" | skaffold) ;;
    *) util::die "unknown argument '$1' (scripts/platform/builder.sh --help)" ;;
  esac
  util::platform_user_lock
  platform::lock
  util::timed "Builder${1:+ ($1)}" platform::builder::ensure "${1:-}"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
