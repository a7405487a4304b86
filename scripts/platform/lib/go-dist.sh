#!/usr/bin/env bash
# Step: assemble the go-dist stand-in (platform/stand-ins/go-dist) with this machine's Go toolchain, trimmed to
# what compiling needs. For PLATFORM_ARCH=arm64, the same Go release with its commands cross-compiled from this
# toolchain's source (the standard library's source is the same for every platform; only bin/ and pkg/tool/ differ).
# Keyed by the stand-in's files, the toolchain's version and path, and the arch.

GO_DIST_CACHE="${TILT_LIVE_CACHE}/buildpacks/go-dist"

# Paths under GOROOT that compiling a program never reads.
GO_DIST_TRIM=(./doc ./test ./api ./misc ./src/cmd ./pkg/tool/linux_amd64/pprof ./pkg/tool/linux_amd64/trace)
# The commands of a cross-built toolchain: what `go build`, `go vet` and `go test` run (pkg/tool/<os>_<arch>/), and
# bin/go, bin/gofmt.
GO_DIST_TOOLS=(asm buildid cgo compile covdata cover link pack test2json vet)

platform::go_dist::dir() {
  local goroot version
  command -v go >/dev/null || util::die "no Go toolchain on PATH: the go-dist stand-in ships the local one"
  goroot=$(go env GOROOT)
  version=$(go env GOVERSION)
  # amd64's key predates arm64 and stays as it was (a new key would remake the builder for nothing).
  local cross=()
  [[ "${PLATFORM_ARCH}" == amd64 ]] || cross=("${PLATFORM_ARCH}" "${GO_DIST_TOOLS[*]}")
  printf '%s/%s' "${GO_DIST_CACHE}" \
    "$(printf '%s\n' "$(platform::tree_hash "${PLATFORM_SRC}/stand-ins/go-dist")" "$goroot" "$version" \
      "${GO_DIST_TRIM[*]}" "${cross[@]}" | platform::hash)"
}

# platform::go_dist::cross_commands GOROOT DEST: bin/ and pkg/tool/linux_${PLATFORM_ARCH}/ of DEST, built from GOROOT's
# source for PLATFORM_ARCH, then `go version` run under qemu-user as a smoke test.
platform::go_dist::cross_commands() {
  local goroot="$1" dest="$2" log="${PLATFORM_LOGS}/go-dist${PLATFORM_ARCH_SUFFIX}-build.log" version emulator
  util::print::info "Cross-compiling bin/go, bin/gofmt and ${#GO_DIST_TOOLS[@]} tools for linux/${PLATFORM_ARCH}"
  (cd "$goroot/src" && export CGO_ENABLED=0 GOOS=linux GOARCH="${PLATFORM_ARCH}" &&
    util::run_logged "$log" nice go build -trimpath -o "$dest/bin/" cmd/go cmd/gofmt &&
    util::run_logged "$log" nice go build -trimpath -o "$dest/pkg/tool/linux_${PLATFORM_ARCH}/" \
      "${GO_DIST_TOOLS[@]/#/cmd/}") || util::die "cross-compiling Go's commands failed (log: $log)"
  platform::check_elf_arch "$dest/bin" "$dest/pkg/tool"
  emulator=$(platform::emulator "${PLATFORM_ARCH}")
  version=$(${emulator} "$dest/bin/go" version) || util::die "the linux/${PLATFORM_ARCH} go does not run under qemu"
  [[ "$version" == "go version $(go env GOVERSION) linux/${PLATFORM_ARCH}" ]] ||
    util::die "the cross-built go says '${version}', not $(go env GOVERSION) linux/${PLATFORM_ARCH}"
  util::print::info "Smoke test under qemu: ${version}"
}

platform::go_dist::ensure() {
  local dir goroot work host_tools
  dir=$(platform::go_dist::dir)
  if [[ -f "$dir/toolchain.sha256" ]]; then
    util::print::info "Reusing go-dist stand-in ${dir} ($(go env GOVERSION), linux/${PLATFORM_ARCH})"
    return 0
  fi
  goroot=$(go env GOROOT)
  [[ "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" == "linux/amd64" ]] ||
    util::die "the go-dist stand-in expects a linux/amd64 Go toolchain (this one is $(go env GOHOSTOS)/$(go env GOHOSTARCH))"
  work="${dir}.tmp"
  rm -rf "$work" && mkdir -p "$work/go"
  cp -r "${PLATFORM_SRC}/stand-ins/go-dist/." "$work/"
  util::print::info "Copying $(go env GOVERSION) from ${goroot} (without docs, tests, src/cmd, test data)"
  if [[ "${PLATFORM_ARCH}" == amd64 ]]; then
    tar -C "$goroot" --exclude=testdata "${GO_DIST_TRIM[@]/#/--exclude=}" -cf - . | tar -C "$work/go" -xf -
  else
    tar -C "$goroot" --exclude=testdata "${GO_DIST_TRIM[@]/#/--exclude=}" --exclude=./bin --exclude=./pkg/tool -cf - . |
      tar -C "$work/go" -xf -
    platform::go_dist::cross_commands "$goroot" "$work/go"
  fi
  # Tools of other platforms (cross-compilers' pkg/tool/<os>_<arch>) are not needed either.
  for host_tools in "$work/go/pkg/tool/"*; do
    [[ "$(basename "$host_tools")" == "linux_${PLATFORM_ARCH}" ]] || rm -rf "$host_tools"
  done
  printf 'sha256:%s' "$(platform::tree_sha256 "$work/go")" >"$work/toolchain.sha256"
  rm -rf "$dir" && mv "$work" "$dir"
  util::print::info "Assembled ${dir} ($(du -sh "$dir" | cut -f1))"
}
