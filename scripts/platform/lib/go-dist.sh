#!/usr/bin/env bash
# Step: assemble the go-dist stand-in (platform/stand-ins/go-dist) with this machine's Go toolchain, trimmed to
# what compiling needs. Keyed by the stand-in's files and the toolchain's version and path.

GO_DIST_CACHE="${TILT_LIVE_CACHE}/buildpacks/go-dist"

# Paths under GOROOT that compiling a program never reads.
GO_DIST_TRIM=(./doc ./test ./api ./misc ./src/cmd ./pkg/tool/linux_amd64/pprof ./pkg/tool/linux_amd64/trace)

platform::go_dist::dir() {
  local goroot version
  command -v go >/dev/null || util::die "no Go toolchain on PATH: the go-dist stand-in ships the local one"
  goroot=$(go env GOROOT)
  version=$(go env GOVERSION)
  printf '%s/%s' "${GO_DIST_CACHE}" \
    "$(printf '%s\n' "$(platform::tree_hash "${PLATFORM_SRC}/stand-ins/go-dist")" "$goroot" "$version" \
      "${GO_DIST_TRIM[*]}" | platform::hash)"
}

platform::go_dist::ensure() {
  local dir goroot work host_tools
  dir=$(platform::go_dist::dir)
  if [[ -f "$dir/toolchain.sha256" ]]; then
    util::print::info "Reusing go-dist stand-in ${dir} ($(go env GOVERSION))"
    printf '%s\n' "$dir" >"${GO_DIST_CACHE}/current"
    return 0
  fi
  goroot=$(go env GOROOT)
  [[ "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" == "linux/amd64" ]] ||
    util::die "the go-dist stand-in expects a linux/amd64 Go toolchain (this one is $(go env GOHOSTOS)/$(go env GOHOSTARCH))"
  work="${dir}.tmp"
  rm -rf "$work" && mkdir -p "$work/go"
  cp -r "${PLATFORM_SRC}/stand-ins/go-dist/." "$work/"
  util::print::info "Copying $(go env GOVERSION) from ${goroot} (without docs, tests, src/cmd, test data)"
  tar -C "$goroot" --exclude=testdata "${GO_DIST_TRIM[@]/#/--exclude=}" -cf - . | tar -C "$work/go" -xf -
  # Tools of other platforms (cross-compilers' pkg/tool/<os>_<arch>) are not needed either.
  for host_tools in "$work/go/pkg/tool/"*; do
    [[ "$(basename "$host_tools")" == linux_amd64 ]] || rm -rf "$host_tools"
  done
  printf 'sha256:%s' "$(platform::tree_sha256 "$work/go")" >"$work/toolchain.sha256"
  rm -rf "$dir" && mv "$work" "$dir"
  printf '%s\n' "$dir" >"${GO_DIST_CACHE}/current"
  util::print::info "Assembled ${dir} ($(du -sh "$dir" | cut -f1))"
}
