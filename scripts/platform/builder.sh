#!/usr/bin/env bash
# The Go builder, made offline with `pack builder create` (local lifecycle tarball, --pull-policy never):
#   order: paketo-buildpacks/go-dist (stand-in), paketo-buildpacks/go-mod-vendor (optional, when built),
#          paketo-buildpacks/go-build
#   also in the builder (not in its order) when they were built: tilt-live/source and tilt-live from
#   dist/buildpacks/ (npm run build), so `pack build --buildpack`/--pre-/--post-buildpack finds them inside.
# The image is tagged tilt-live/builder-go:<key>, key = hash of every input, and tilt-live/builder-go:latest.
# Run alone (after setup.sh) to pick up new dist/buildpacks; builder images of other keys are removed.
set -euo pipefail

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  # shellcheck source=../lib.sh
  source "${SCRIPT_DIR}/../lib.sh"
  source "${SCRIPT_DIR}/lib/common.sh"
  source "${SCRIPT_DIR}/lib/go-dist.sh"
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

# platform::builder::toml GO_DIST_DIR EXTRA_DIR...: the builder.toml on stdout.
platform::builder::toml() {
  local go_dist="$1" extra
  shift
  cat <<EOF
description = "tilt-live offline Go builder (go-dist stand-in, Paketo go-mod-vendor and go-build)"

[[buildpacks]]
  uri = "${go_dist}"

[[buildpacks]]
  uri = "${GO_BUILD_DIR}"
EOF
  if [[ -x "${GO_MOD_VENDOR_DIR}/bin/run" ]]; then
    printf '\n[[buildpacks]]\n  uri = "%s"\n' "${GO_MOD_VENDOR_DIR}"
  fi
  for extra in "$@"; do
    printf '\n[[buildpacks]]\n  uri = "%s"\n' "$extra"
  done
  cat <<EOF

[[order]]
  [[order.group]]
    id = "paketo-buildpacks/go-dist"
    version = "$(platform::builder::bp_version "$go_dist")"
EOF
  if [[ -x "${GO_MOD_VENDOR_DIR}/bin/run" ]]; then
    cat <<EOF

  [[order.group]]
    id = "paketo-buildpacks/go-mod-vendor"
    version = "$(platform::builder::bp_version "${GO_MOD_VENDOR_DIR}")"
    optional = true
EOF
  fi
  cat <<EOF

  [[order.group]]
    id = "paketo-buildpacks/go-build"
    version = "$(platform::builder::bp_version "${GO_BUILD_DIR}")"

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

platform::builder::ensure() {
  local go_dist extras=() dir expected toml key image inputs old
  go_dist=$(platform::go_dist::dir)
  [[ -f "$go_dist/toolchain.sha256" ]] || util::die "go-dist stand-in not assembled ($go_dist): run scripts/platform/setup.sh"
  [[ -x "${GO_BUILD_DIR}/bin/run" ]] || util::die "go-build missing (${GO_BUILD_DIR}): run scripts/platform/setup.sh"
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
  toml=$(platform::builder::toml "$go_dist" "${extras[@]}")
  # Key: the builder.toml (names every input path and version) plus the content of each input.
  inputs=$(
    printf '%s\n' "$toml"
    docker image inspect --format '{{.Id}}' "$(platform::stack_image build)" "tilt-live/stack-run:latest"
    sha256sum "${LIFECYCLE_TGZ}" | cut -d' ' -f1
    cat "$go_dist/toolchain.sha256" # its directory name already hashes the stand-in's own files
    for dir in "${GO_BUILD_DIR}" "${GO_MOD_VENDOR_DIR}" "${extras[@]}"; do
      [[ -d "$dir" ]] || continue
      platform::tree_sha256 "$dir"
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
