#!/usr/bin/env bash
# Step: Paketo's go-build buildpack, built from its Go module the way its scripts/build.sh does (bin/run, with
# bin/detect and bin/build linking to it) and given the version its packager would write into buildpack.toml.
# The module path has no /v2 suffix, so the proxy knows release vX.Y.Z as vX.Y.Z+incompatible.

GO_BUILD_MODULE="github.com/paketo-buildpacks/go-build"

# platform::paketo::set_version BUILDPACK_TOML VERSION: adds `version = "..."` to the [buildpack] table.
platform::paketo::set_version() {
  local file="$1" version="$2"
  grep -q '^\[buildpack\]' "$file" || util::die "no [buildpack] table in $file"
  sed -i -e '/^\s*version\s*=/d' -e "s/^\[buildpack\]\$/[buildpack]\n  version = \"${version}\"/" "$file"
}

platform::paketo::go_build_ok() {
  [[ -x "${GO_BUILD_DIR}/bin/run" && -L "${GO_BUILD_DIR}/bin/detect" && -L "${GO_BUILD_DIR}/bin/build" ]] &&
    grep -q "^  version = \"${PAKETO_GO_BUILD_VERSION}\"\$" "${GO_BUILD_DIR}/buildpack.toml" 2>/dev/null
}

platform::paketo::go_build() {
  if platform::paketo::go_build_ok; then
    util::print::info "Reusing paketo-buildpacks/go-build ${PAKETO_GO_BUILD_VERSION} (${GO_BUILD_DIR})"
    return 0
  fi
  local dir src
  if ! dir=$(platform::go_module_dir "${GO_BUILD_MODULE}" "v${PAKETO_GO_BUILD_VERSION}+incompatible"); then
    platform::cnb::missing_module_help "${GO_BUILD_MODULE}" "go-build" "${GO_BUILD_DIR}/bin/run"
    util::die "cannot build paketo-buildpacks/go-build ${PAKETO_GO_BUILD_VERSION}"
  fi
  src="${TILT_LIVE_CACHE}/src/go-build-v${PAKETO_GO_BUILD_VERSION}"
  platform::writable_copy "$dir" "$src"
  rm -rf "${GO_BUILD_DIR}" && mkdir -p "${GO_BUILD_DIR}/bin"
  util::print::info "Building paketo-buildpacks/go-build ${PAKETO_GO_BUILD_VERSION} (go build ./run)"
  (cd "$src" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod \
    util::run_logged "${PLATFORM_LOGS}/go-build-build.log" \
    go build -trimpath -ldflags "-s -w" -o "${GO_BUILD_DIR}/bin/run" ./run)
  ln -s run "${GO_BUILD_DIR}/bin/detect"
  ln -s run "${GO_BUILD_DIR}/bin/build"
  cp "$src/buildpack.toml" "${GO_BUILD_DIR}/buildpack.toml"
  platform::paketo::set_version "${GO_BUILD_DIR}/buildpack.toml" "${PAKETO_GO_BUILD_VERSION}"
  platform::paketo::go_build_ok || util::die "go-build assembled incompletely in ${GO_BUILD_DIR}"
}
