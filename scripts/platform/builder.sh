#!/usr/bin/env bash
# The builder, made offline with `pack builder create` (local lifecycle tarball, --pull-policy never). Its order has a
# group per language, tried in this order:
#   node:   paketo-buildpacks/node-engine (stand-in), npm-install, node-start
#   python: paketo-buildpacks/cpython (stand-in), pip (stand-in), pip-install, python-start, procfile (optional)
#   go:     paketo-buildpacks/go-dist (stand-in), go-mod-vendor (optional, when built), go-build
#   java:   tilt-live/debian-openjdk (jvm stand-in), paketo-buildpacks/syft (stand-in), maven, executable-jar
#   also in the builder (not in its order) when they were built: tilt-live/source and tilt-live from
#   dist/buildpacks/ (npm run build), so `pack build --buildpack`/--pre-/--post-buildpack finds them inside.
# The image is tagged tilt-live/builder-go:<key>, key = hash of every input, and tilt-live/builder-go:latest (the
# name predates the Node.js and Python groups; tilt_live/ and the tests know it).
# Run alone (after setup.sh) to pick up new dist/buildpacks; builder images of other keys are removed.
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

# platform::builder::toml EXTRA_DIR...: the builder.toml on stdout (after platform::builder::inputs).
platform::builder::toml() {
  local dir go_group=("${GO_DIST_STAND_IN}")
  printf 'description = "tilt-live offline builder: Paketo Node.js, Python, Go and Java groups, toolchains from offline stand-ins"\n'
  for dir in "${LANGUAGE_BUILDPACKS[@]}" "$@"; do
    printf '\n[[buildpacks]]\n  uri = "%s"\n' "$dir"
  done
  platform::builder::group "${NODE_ENGINE_STAND_IN}" "${NPM_INSTALL_DIR}" "${NODE_START_DIR}"
  platform::builder::group "${CPYTHON_STAND_IN}" "${PIP_STAND_IN}" "${PIP_INSTALL_DIR}" "${PYTHON_START_DIR}" \
    "${PROCFILE_DIR}:optional"
  [[ -x "${GO_MOD_VENDOR_DIR}/bin/run" ]] && go_group+=("${GO_MOD_VENDOR_DIR}:optional")
  go_group+=("${GO_BUILD_DIR}")
  platform::builder::group "${go_group[@]}"
  platform::builder::group "${JVM_STAND_IN}" "${SYFT_STAND_IN}" "${MAVEN_DIR}" "${EXECUTABLE_JAR_DIR}"
  cat <<EOF

[lifecycle]
  uri = "${LIFECYCLE_TGZ}"

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

# platform::builder::inputs: sets the stand-in dirs and LANGUAGE_BUILDPACKS; dies when one is missing.
platform::builder::inputs() {
  local dir
  GO_DIST_STAND_IN=$(platform::go_dist::dir)
  NODE_ENGINE_STAND_IN=$(platform::stand_in::dir node-engine)
  CPYTHON_STAND_IN=$(platform::stand_in::dir cpython)
  PIP_STAND_IN=$(platform::stand_in::dir pip)
  JVM_STAND_IN=$(platform::stand_in::dir jvm)
  SYFT_STAND_IN=$(platform::stand_in::dir syft)
  LANGUAGE_BUILDPACKS=("${GO_DIST_STAND_IN}" "${GO_BUILD_DIR}" "${NODE_ENGINE_STAND_IN}" "${NPM_INSTALL_DIR}"
    "${NODE_START_DIR}" "${CPYTHON_STAND_IN}" "${PIP_STAND_IN}" "${PIP_INSTALL_DIR}" "${PYTHON_START_DIR}" "${PROCFILE_DIR}"
    "${JVM_STAND_IN}" "${SYFT_STAND_IN}" "${MAVEN_DIR}" "${EXECUTABLE_JAR_DIR}")
  for dir in "${LANGUAGE_BUILDPACKS[@]}"; do
    [[ -L "$dir/bin/build" || -f "$dir/toolchain.sha256" ]] ||
      util::die "buildpack missing or not assembled ($dir): run scripts/platform/setup.sh"
  done
  if [[ -x "${GO_MOD_VENDOR_DIR}/bin/run" ]]; then LANGUAGE_BUILDPACKS+=("${GO_MOD_VENDOR_DIR}"); fi
}

platform::builder::ensure() {
  local extras=() dir expected toml key image inputs old
  platform::builder::inputs
  [[ -f "${LIFECYCLE_TGZ}" && -x "${PACK_BIN}" ]] || util::die "lifecycle or pack missing: run scripts/platform/setup.sh"
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

  mkdir -p "${BUILDER_CACHE}"
  toml=$(platform::builder::toml "${extras[@]}")
  # Key: the builder.toml (names every input path and version) plus the content of each input.
  inputs=$(
    printf '%s\n' "$toml"
    docker image inspect --format '{{.Id}}' "$(platform::stack_image build)" "tilt-live/stack-run:latest"
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
  image="${BUILDER_REPO}:${key}"
  if platform::image_exists "$image"; then
    util::print::info "Reusing builder ${image}"
  else
    printf '%s\n' "$toml" >"${BUILDER_CACHE}/builder-${key}.toml"
    util::print::info "pack builder create ${image} (extra buildpacks: ${extras[*]:-none})"
    util::run_logged "${PLATFORM_LOGS}/builder-create.log" "${PACK_BIN}" builder create "$image" \
      --config "${BUILDER_CACHE}/builder-${key}.toml" --pull-policy never
    util::print::info "Made image ${image}"
  fi
  docker tag "$image" "${BUILDER_IMAGE}"
  printf '%s\n' "$image" >"${BUILDER_CACHE}/current"
  # Builders of earlier inputs: remove them (a container still using one keeps it; say so, do not fail).
  for old in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "${BUILDER_REPO}"); do
    [[ "$old" == "$image" || "$old" == "${BUILDER_IMAGE}" ]] && continue
    if docker image rm "$old" >/dev/null 2>&1; then
      rm -f "${BUILDER_CACHE}/builder-${old##*:}.toml"
      util::print::info "Removed old builder ${old}"
    else
      util::print::info "Could not remove old builder ${old} (in use?)"
    fi
  done
}

main() {
  case "${1:-}" in
    -h | --help)
      echo "Usage: scripts/platform/builder.sh   (re)makes ${BUILDER_IMAGE} from the cached platform parts"
      return 0
      ;;
  esac
  platform::lock
  util::timed "Builder" platform::builder::ensure
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
