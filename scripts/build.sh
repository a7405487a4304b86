#!/usr/bin/env bash
# npm run build: bundles src/ with esbuild, turns the bundle into a Node single executable (SEA) on a pinned
# official Node binary, builds the static init and the static rebuild client, and assembles the two buildpack
# directories under dist/buildpacks/. The buildpacks then run in a build image that has no Node.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "${TILT_LIVE_ROOT}/scripts/platform/lib/common.sh" # platform::apt_install, platform::emulator

usage() {
  cat <<USAGE
Usage: scripts/build.sh [--arch amd64|arm64]
Builds dist/buildpacks/tilt-live and dist/buildpacks/tilt-live-source (default arch: amd64), and for amd64 the
links bin/ and buildpacks/source/bin/ that make the checkout itself the two buildpacks; with --arch arm64,
dist/buildpacks-arm64/: the init and the rebuild client with Debian's cross compiler, the init and the executable
smoke-tested under qemu-aarch64-static (the cross compiler, qemu and Debian's arm64 libc installed with apt-get when
missing).
USAGE
}

DIST="${TILT_LIVE_ROOT}/dist"

node_base() {
  local arch="$1" npm_arch
  case "$arch" in amd64) npm_arch=x64 ;; arm64) npm_arch=arm64 ;; *) util::die "unknown arch $arch" ;; esac
  local dir="${TILT_LIVE_CACHE}/node/${NODE_SEA_VERSION}-${arch}"
  if [[ ! -x "${dir}/bin/node" ]]; then
    util::print::step "Fetching node-linux-${npm_arch}@${NODE_SEA_VERSION} from the npm registry"
    local tmp; util::temp_dir tmp
    (cd "$tmp" && npm pack --silent "node-linux-${npm_arch}@${NODE_SEA_VERSION}" >/dev/null) ||
      util::die "npm pack node-linux-${npm_arch}@${NODE_SEA_VERSION} failed (is the npm registry reachable?)"
    mkdir -p "$dir"
    tar -xzf "$tmp"/node-linux-*.tgz -C "$dir" --strip-components=1
    rm -rf "$tmp"
    [[ -x "${dir}/bin/node" ]] || util::die "node-linux-${npm_arch}@${NODE_SEA_VERSION} has no bin/node"
  fi
  printf '%s\n' "${dir}/bin/node"
}

check_versions() {
  local pkg bp src
  pkg=$(node -p 'require("./package.json").version')
  bp=$(sed -n 's/^  version = "\(.*\)"/\1/p' buildpack.toml)
  src=$(sed -n 's/^  version = "\(.*\)"/\1/p' buildpacks/source/buildpack.toml)
  [[ "$pkg" == "$bp" && "$pkg" == "$src" ]] ||
    util::die "versions disagree: package.json $pkg, buildpack.toml $bp, buildpacks/source/buildpack.toml $src"
  printf '%s\n' "$pkg"
}

bundle() {
  mkdir -p "${DIST}/work"
  npx esbuild src/entry.ts --bundle --platform=node --target=node20 --format=cjs \
    --outfile="${DIST}/work/tilt-live.cjs" --log-level=warning \
    --define:TILT_LIVE_VERSION="\"$1\""
}

sea() {
  local arch="$1" base host
  base=$(node_base "$arch")
  host=$(node_base amd64)
  cat >"${DIST}/work/sea-config.json" <<JSON
{ "main": "${DIST}/work/tilt-live.cjs", "output": "${DIST}/work/sea-prep.blob", "disableExperimentalSEAWarning": true }
JSON
  # The blob must come from the same Node version as the binary it is injected into.
  util::run_logged "${DIST}/work/sea.log" "$host" --experimental-sea-config "${DIST}/work/sea-config.json"
  cp "$base" "${DIST}/work/tilt-live-${arch}"
  chmod u+w "${DIST}/work/tilt-live-${arch}"
  # postject warns about ELF note names it does not know; the log keeps them, the console does not.
  util::run_logged "${DIST}/work/postject.log" npx postject "${DIST}/work/tilt-live-${arch}" NODE_SEA_BLOB \
    "${DIST}/work/sea-prep.blob" --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
}

# The C toolchain prefix for ARCH: the host's gcc for amd64, Debian's cross compiler for arm64 (installed when
# missing, with the static libc the init links against).
init_toolchain() {
  case "$1" in
    amd64)
      command -v gcc >/dev/null || util::die "gcc is needed to build native/tilt-live-init.c and native/tilt-live-rebuild.c (apt-get install gcc libc6-dev)"
      printf '\n' ;;
    arm64)
      if ! command -v aarch64-linux-gnu-gcc >/dev/null || [[ ! -f /usr/aarch64-linux-gnu/lib/libc.a ]]; then
        platform::apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      fi
      printf 'aarch64-linux-gnu-\n' ;;
  esac
}

init_binary() {
  local arch="$1"
  local out="${DIST}/work/tilt-live-init-${arch}" prefix emu
  [[ -f native/tilt-live-init.c ]] || return 0
  prefix=$(init_toolchain "$arch")
  local cflags; read -ra cflags <native/cflags
  "${prefix}gcc" "${cflags[@]}" -o "$out" native/tilt-live-init.c
  "${prefix}strip" "$out"
  # Smoke test: the init runs a child (a host binary: qemu-user hands exec of a foreign binary to the kernel),
  # reaps it and exits with its status. qemu-user does not emulate PR_SET_CHILD_SUBREAPER: under it the init says
  # so and goes on; on a real arm64 kernel (and as PID 1 anyway) it reaps orphans as on amd64.
  local run=() status=0
  emu=$(platform::emulator "$arch")
  if [[ -n "$emu" ]]; then run=("$emu"); fi
  "${run[@]}" "$out" /bin/sh -c 'exit 7' || status=$?
  [[ "$status" == 7 ]] || util::die "smoke test: the ${arch} init exited with ${status} for a child that exited with 7"
  util::print::info "smoke test: ${run[*]:+${run[*]} }tilt-live-init /bin/sh -c 'exit 7': exit 7"
}

# A static helper next to the executable, with the init's toolchain and flags: the small `rebuild` client
# (native/tilt-live-rebuild.c: Tilt runs it after every sync, and the single executable's start would cost 0.1-0.3 s
# of each live update) and the SBOM writer that stands in for syft during rebuilds (native/tilt-live-sbom.c).
native_binary() {
  local name="$1" arch="$2" version="$3"
  local out="${DIST}/work/${name}-${arch}" prefix
  [[ -f "native/${name}.c" ]] || return 0
  prefix=$(init_toolchain "$arch")
  local cflags; read -ra cflags <native/cflags
  "${prefix}gcc" "${cflags[@]}" -DTILT_LIVE_VERSION="\"${version}\"" -o "$out" "native/${name}.c"
  "${prefix}strip" "$out"
}

buildpacks_dir() {
  if [[ "$1" == amd64 ]]; then printf '%s\n' "${DIST}/buildpacks"; else printf '%s\n' "${DIST}/buildpacks-$1"; fi
}

assemble() {
  local arch="$1" name="$2" descriptor="$3"
  local dir; dir="$(buildpacks_dir "$arch")/${name}"
  rm -rf "$dir"
  mkdir -p "${dir}/bin"
  sed "s/^  arch = \"amd64\"\$/  arch = \"${arch}\"/" "$descriptor" >"${dir}/buildpack.toml"
  # A hard link keeps one copy on disk when both buildpacks are assembled.
  ln "${DIST}/work/tilt-live-${arch}" "${dir}/bin/tilt-live" 2>/dev/null || cp "${DIST}/work/tilt-live-${arch}" "${dir}/bin/tilt-live"
  ln -s tilt-live "${dir}/bin/detect"
  ln -s tilt-live "${dir}/bin/build"
  if [[ "$name" == tilt-live && -f "${DIST}/work/tilt-live-init-${arch}" ]]; then cp "${DIST}/work/tilt-live-init-${arch}" "${dir}/bin/tilt-live-init"; fi
  local native
  for native in tilt-live-rebuild tilt-live-sbom; do
    if [[ "$name" == tilt-live && -f "${DIST}/work/${native}-${arch}" ]]; then cp "${DIST}/work/${native}-${arch}" "${dir}/bin/${native}"; fi
  done
}

# A checkout (or an unpacked release) is itself the tilt-live buildpack, and buildpacks/source the tilt-live/source
# buildpack: `pack build --buildpack ./tilt-live --buildpack ./tilt-live/buildpacks/source` finds bin/ in both.
# Hard links to dist's executable: pack tars a buildpack directory whole and writes a second link to an inode as
# a link entry, so the 95 MB executable is in the tar once however many names it has.
checkout_bins() {
  local bp dir
  for bp in tilt-live:. tilt-live-source:buildpacks/source; do
    dir="${TILT_LIVE_ROOT}/${bp#*:}/bin"
    rm -rf "$dir"
    mkdir -p "$dir"
    ln "${DIST}/buildpacks/${bp%%:*}/bin/tilt-live" "${dir}/tilt-live"
    ln -s tilt-live "${dir}/detect"
    ln -s tilt-live "${dir}/build"
  done
  local native
  for native in tilt-live-init tilt-live-rebuild tilt-live-sbom; do
    if [[ -f "${DIST}/buildpacks/tilt-live/bin/${native}" ]]; then
      ln "${DIST}/buildpacks/tilt-live/bin/${native}" "${TILT_LIVE_ROOT}/bin/${native}"
    fi
  done
}

# arm64_runtime: what runs the arm64 executable here, under qemu-user: Debian's arm64 libc and libstdc++ (the
# executable is Node's, dynamically linked) beside qemu-user-static, installed when missing.
arm64_runtime() {
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    [[ $(id -u) -eq 0 ]] || util::die "the arm64 smoke test needs arm64 packages: run as root, or dpkg --add-architecture arm64"
    dpkg --add-architecture arm64
    PLATFORM_APT_UPDATED="" # apt must read the arm64 package lists
  fi
  platform::apt_install qemu-user-static libc6:arm64 libstdc++6:arm64
}

smoke_test() {
  local arch="$1" version="$2" exe run=()
  exe="$(buildpacks_dir "$arch")/tilt-live/bin/tilt-live"
  if [[ "$arch" == arm64 ]]; then
    arm64_runtime
    run=(qemu-aarch64-static)
  fi
  local got; got=$("${run[@]}" "$exe" --version)
  [[ "$got" == "tilt-live ${version}" ]] || util::die "smoke test: the ${arch} executable printed '$got', expected 'tilt-live ${version}'"
  util::print::info "smoke test: ${run[*]:+${run[*]} }bin/tilt-live --version: $got"
}

main() {
  local arch=amd64
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --arch) arch="$2"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) usage; util::die "unknown argument $1" ;;
    esac
  done
  cd "$TILT_LIVE_ROOT"
  [[ -d node_modules ]] || util::timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
  util::print::title "tilt-live build (${arch})"
  local version; version=$(check_versions)
  util::timed "Type check" npx tsc --noEmit
  util::timed "Bundle" bundle "$version"
  util::timed "Single executable" sea "$arch"
  util::timed "Init" init_binary "$arch"
  util::timed "Rebuild client" native_binary tilt-live-rebuild "$arch" "$version"
  util::timed "SBOM writer" native_binary tilt-live-sbom "$arch" "$version"
  assemble "$arch" tilt-live buildpack.toml
  assemble "$arch" tilt-live-source buildpacks/source/buildpack.toml
  # The descriptors at the root and in buildpacks/source name amd64.
  [[ "$arch" == amd64 ]] && checkout_bins
  smoke_test "$arch" "$version"
  util::print::step "$(buildpacks_dir "$arch")/{tilt-live,tilt-live-source} ($(du -sh "${DIST}/work/tilt-live-${arch}" | cut -f1) executable)"
}

main "$@"
