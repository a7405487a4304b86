#!/usr/bin/env bash
# Step: the CNB lifecycle and pack, built from their Go modules (CGO_ENABLED=0, version ldflags), the lifecycle
# tarball `pack builder create` takes as `[lifecycle] uri`, and a local buildpacksio/lifecycle image for pack's
# untrusted (5-container) flow. Cached by version and patch set (platform/lifecycle/) under ${TILT_LIVE_CACHE}/bin.

LIFECYCLE_MODULE="github.com/buildpacks/lifecycle"
PACK_MODULE="github.com/buildpacks/pack"

# platform::cnb::lifecycle_ok: the cached lifecycle reports the pinned version and its tarball exists.
platform::cnb::lifecycle_ok() {
  [[ -x "${LIFECYCLE_BIN_DIR}/lifecycle" && -x "${LIFECYCLE_BIN_DIR}/launcher" && -f "${LIFECYCLE_TGZ}" ]] &&
    [[ "$("${LIFECYCLE_BIN_DIR}/lifecycle" -version 2>/dev/null)" == "${LIFECYCLE_VERSION}" ]]
}

platform::cnb::lifecycle() {
  if platform::cnb::lifecycle_ok; then
    util::print::info "Reusing lifecycle ${LIFECYCLE_VERSION} (${LIFECYCLE_BIN_DIR})"
    return 0
  fi
  local dir src ldflags phase
  dir=$(platform::module_source "${LIFECYCLE_MODULE}" "v${LIFECYCLE_VERSION}") ||
    util::die "no source for lifecycle ${LIFECYCLE_VERSION} (see above)"
  src="${TILT_LIVE_CACHE}/src/lifecycle-v${LIFECYCLE_VERSION}"
  util::writable_copy "$dir" "$src"
  local patch
  for patch in "${LIFECYCLE_PATCHES[@]}"; do
    util::print::info "Patching the lifecycle: $(basename "$patch")"
    util::run_logged "${PLATFORM_LOGS}/lifecycle-patch.log" patch -d "$src" -p1 --forward -i "$patch"
  done
  ldflags="-s -w -X ${LIFECYCLE_MODULE}/cmd.Version=${LIFECYCLE_VERSION} -X ${LIFECYCLE_MODULE}/cmd.SCMRepository=${LIFECYCLE_MODULE}"
  rm -rf "${LIFECYCLE_DIR}" && mkdir -p "${LIFECYCLE_BIN_DIR}"
  util::print::info "Building lifecycle ${LIFECYCLE_VERSION} (go build, CGO_ENABLED=0)"
  (cd "$src" && export CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod &&
    util::run_logged "${PLATFORM_LOGS}/lifecycle-build.log" \
      go build -trimpath -ldflags "$ldflags" -o "${LIFECYCLE_BIN_DIR}/lifecycle" ./cmd/lifecycle &&
    util::run_logged "${PLATFORM_LOGS}/launcher-build.log" \
      go build -trimpath -ldflags "$ldflags" -o "${LIFECYCLE_BIN_DIR}/launcher" ./cmd/launcher)
  for phase in detector analyzer restorer builder exporter rebaser creator extender; do
    ln -sf lifecycle "${LIFECYCLE_BIN_DIR}/${phase}"
  done
  # The lifecycle's own packager writes lifecycle.toml (its supported APIs) and the layout pack expects.
  (cd "$src" && GOFLAGS=-mod=mod util::run_logged "${PLATFORM_LOGS}/lifecycle-package.log" \
    go run ./tools/packager --inputDir "${LIFECYCLE_BIN_DIR}" --archivePath "${LIFECYCLE_TGZ}" \
    --descriptorPath lifecycle.toml --version "${LIFECYCLE_VERSION}")
  platform::cnb::lifecycle_ok || util::die "lifecycle built but does not report ${LIFECYCLE_VERSION}"
}

platform::cnb::pack_ok() {
  [[ -x "${PACK_BIN}" ]] && [[ "$("${PACK_BIN}" version 2>/dev/null)" == "${PACK_VERSION}" ]]
}

platform::cnb::pack() {
  if platform::cnb::pack_ok; then
    util::print::info "Reusing pack ${PACK_VERSION} (${PACK_BIN})"
    return 0
  fi
  local dir src
  dir=$(platform::module_source "${PACK_MODULE}" "v${PACK_VERSION}") ||
    util::die "no source for pack ${PACK_VERSION} (see above)"
  src="${TILT_LIVE_CACHE}/src/pack-v${PACK_VERSION}"
  util::writable_copy "$dir" "$src"
  mkdir -p "$(dirname "${PACK_BIN}")"
  util::print::info "Building pack ${PACK_VERSION} (go build, CGO_ENABLED=0)"
  (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod util::run_logged "${PLATFORM_LOGS}/pack-build.log" \
    go build -trimpath -ldflags "-s -w -X '${PACK_MODULE}.Version=${PACK_VERSION}'" -o "${PACK_BIN}" ./cmd/pack)
  platform::cnb::pack_ok || util::die "pack built but does not report ${PACK_VERSION}"
}

# The descriptor's API lists as JSON, e.g. {"buildpack":{"deprecated":[],"supported":["0.7"]},"platform":{...}}.
# TOML string arrays of this shape are valid JSON already.
platform::cnb::apis_json() {
  tar -xzOf "${LIFECYCLE_TGZ}" lifecycle.toml | awk '
    /^\[apis\.buildpack\]/ { sec = "buildpack" } /^\[apis\.platform\]/ { sec = "platform" } /^\[api\]/ { sec = "" }
    sec != "" && /^ *(deprecated|supported) *=/ { sub(/^ */, ""); split($0, kv, / *= */); v[sec, kv[1]] = kv[2] }
    END { printf "{\"buildpack\":{\"deprecated\":%s,\"supported\":%s},\"platform\":{\"deprecated\":%s,\"supported\":%s}}",
      v["buildpack","deprecated"], v["buildpack","supported"], v["platform","deprecated"], v["platform","supported"] }'
}

# pack asks for "buildpacksio/lifecycle:<builder's lifecycle version>" when it cannot use the creator
# (untrusted builder, or extra buildpacks). The real image is distroless/static + /cnb; ours uses the run stack.
platform::cnb::lifecycle_image() {
  local base key ctx apis
  base="$(platform::stack_image run)"
  key=$( (sha256sum "${LIFECYCLE_TGZ}" | cut -d' ' -f1; echo "$base") | platform::hash)
  if [[ "$(platform::image_label "${LIFECYCLE_IMAGE}" io.tilt-live.key)" == "$key" ]]; then
    util::print::info "Reusing image ${LIFECYCLE_IMAGE}"
    return 0
  fi
  apis=$(platform::cnb::apis_json)
  util::temp_dir ctx
  mkdir -p "$ctx/cnb"
  tar -xzf "${LIFECYCLE_TGZ}" -C "$ctx/cnb"
  cat >"$ctx/Dockerfile" <<EOF
FROM ${base}
USER root
COPY cnb /cnb
WORKDIR /layers
LABEL io.buildpacks.lifecycle.version="${LIFECYCLE_VERSION}" \\
      io.buildpacks.lifecycle.apis='${apis}' \\
      io.buildpacks.builder.metadata='{"lifecycle":{"version":"${LIFECYCLE_VERSION}"},"api":{"buildpack":"0.7","platform":"0.7"}}' \\
      io.tilt-live.key="${key}"
EOF
  util::run_logged "${PLATFORM_LOGS}/lifecycle-image.log" env DOCKER_BUILDKIT=0 docker build -q -t "${LIFECYCLE_IMAGE}" "$ctx"
  rm -rf "$ctx"
  util::print::info "Made image ${LIFECYCLE_IMAGE}"
}
