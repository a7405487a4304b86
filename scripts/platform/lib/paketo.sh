#!/usr/bin/env bash
# Step: Paketo's buildpacks, built from their Go modules the way their scripts/build.sh (packit) or
# scripts/build.sh + create-package (libpak: procfile) do: the main binary with bin/detect and bin/build linking to
# it, every helper under cmd/ (npm-install's setup-symlinks), and the version their packager would write into
# buildpack.toml. A module path without /vN knows vX.Y.Z (X >= 2) as vX.Y.Z+incompatible.

# platform::paketo::set_version BUILDPACK_TOML VERSION: adds `version = "..."` to the [buildpack] table.
platform::paketo::set_version() {
  local file="$1" version="$2"
  grep -q '^\[buildpack\]' "$file" || util::die "no [buildpack] table in $file"
  sed -i -e '/^\s*version\s*=/d' -e "s/^\[buildpack\]\$/[buildpack]\n  version = \"${version}\"/" "$file"
}

platform::paketo::ok() {
  local dir="$1" version="$2"
  [[ -x "$dir/bin/$(readlink "$dir/bin/build")" && -L "$dir/bin/detect" && -L "$dir/bin/build" ]] &&
    grep -q "^  version = \"${version}\"\$" "$dir/buildpack.toml" 2>/dev/null
}

# platform::paketo::module_version MODULE VERSION: the Go module version of git tag vVERSION.
platform::paketo::module_version() {
  local major="${2%%.*}"
  if ((major >= 2)) && [[ "$1" != */v"${major}" ]]; then
    printf 'v%s+incompatible' "$2"
  else
    printf 'v%s' "$2"
  fi
}

# platform::paketo::replace SRC MODULE@VERSION...: points each MODULE of SRC's go.mod at its source (proxy or
# upstream bundle), for libraries whose own dependencies the proxy refuses (libbs imports source-removal).
platform::paketo::replace() {
  local src="$1" spec dep_dir
  shift
  for spec in "$@"; do
    dep_dir=$(platform::module_source "${spec%@*}" "${spec#*@}") || util::die "no source for ${spec} (see above)"
    (cd "$src" && go mod edit -replace "${spec%@*}=${dep_dir}") || util::die "go mod edit -replace ${spec} failed in ${src}"
  done
}

# platform::paketo::buildpack NAME VERSION [MODULE] [MAIN] [MODULE@VERSION...]: github.com/paketo-buildpacks/NAME
# (or MODULE) at vVERSION, assembled. MAIN: the main package and binary, `run` (packit, default) or `cmd/main`
# (libpak: bin/main). MODULE@VERSION: dependencies to take through a `replace` (platform::paketo::replace).
platform::paketo::buildpack() {
  local name="$1" version="$2" module="${3:-github.com/paketo-buildpacks/$1}" main="${4:-run}" dir src mod_dir bin helper
  shift $(($# < 4 ? $# : 4))
  dir=$(platform::paketo::dir "$name" "$version")
  if platform::paketo::ok "$dir" "$version"; then
    util::print::info "Reusing paketo-buildpacks/${name} ${version} (${dir})"
    return 0
  fi
  bin=$(basename "$main")
  mod_dir=$(platform::module_source "$module" "$(platform::paketo::module_version "$module" "$version")") ||
    util::die "no source for paketo-buildpacks/${name} ${version} (see above)"
  src="${TILT_LIVE_CACHE}/src/${name}-v${version}"
  util::writable_copy "$mod_dir" "$src"
  platform::paketo::replace "$src" "$@"
  rm -rf "$dir" && mkdir -p "$dir/bin"
  util::print::info "Building paketo-buildpacks/${name} ${version} for linux/${PLATFORM_ARCH} (go build ./${main})"
  local log="${PLATFORM_LOGS}/${name}${PLATFORM_ARCH_SUFFIX}-build.log"
  (cd "$src" && export CGO_ENABLED=0 GOOS=linux GOARCH="${PLATFORM_ARCH}" GOFLAGS=-mod=mod &&
    util::run_logged "$log" \
      nice go build -trimpath -ldflags "-s -w" -o "$dir/bin/${bin}" "./${main}" &&
    for helper in cmd/*/main.go; do
      [[ -f "$helper" && "$(dirname "$helper")" != "$main" ]] || continue
      util::run_logged "$log" \
        nice go build -trimpath -ldflags "-s -w" -o "$dir/bin/$(basename "$(dirname "$helper")")" "./$(dirname "$helper")"
    done)
  ln -s "$bin" "$dir/bin/detect"
  ln -s "$bin" "$dir/bin/build"
  # libpak's buildpack.toml carries a version template and targets of every arch it is packaged for.
  sed -e "s/{{.version}}/${version}/" "$src/buildpack.toml" |
    awk '/^\[\[targets\]\]/ { skip = 1; next } skip && /^(\[|$)/ { skip = 0 } !skip' >"$dir/buildpack.toml"
  grep -q "^  version = \"${version}\"\$" "$dir/buildpack.toml" || platform::paketo::set_version "$dir/buildpack.toml" "$version"
  platform::paketo::data_files "$src" "$dir"
  platform::check_elf_arch "$dir/bin"
  platform::paketo::ok "$dir" "$version" || util::die "paketo-buildpacks/${name} assembled incompletely in $dir"
}

# platform::paketo::data_files SRC DIR: the files libpak's packager ships beside the binaries and buildpack.toml
# (`include-files` of [metadata]), from SRC into DIR: spring-boot reads its spring-generations.toml from the
# buildpack's directory; LICENSE and NOTICE go with what is built from the source. Packit buildpacks list none.
platform::paketo::data_files() {
  local src="$1" dir="$2" file
  for file in $(sed -n 's/^\s*include-files\s*=\s*\[\(.*\)\]\s*$/\1/p' "$src/buildpack.toml" | tr -d ' "' | tr ',' ' '); do
    [[ "$file" == */bin/* || "$file" == buildpack.toml || ! -f "$src/$file" ]] && continue
    cp "$src/$file" "$dir/$file"
  done
}

platform::paketo::go_build() { platform::paketo::buildpack go-build "${PAKETO_GO_BUILD_VERSION}"; }
platform::paketo::go_mod_vendor() { platform::paketo::buildpack go-mod-vendor "${PAKETO_GO_MOD_VENDOR_VERSION}"; }
platform::paketo::npm_install() { platform::paketo::buildpack npm-install "${PAKETO_NPM_INSTALL_VERSION}"; }
platform::paketo::node_start() {
  platform::paketo::buildpack node-start "${PAKETO_NODE_START_VERSION}" github.com/paketo-buildpacks/node-start/v2
}
platform::paketo::pip_install() { platform::paketo::buildpack pip-install "${PAKETO_PIP_INSTALL_VERSION}"; }
platform::paketo::python_start() { platform::paketo::buildpack python-start "${PAKETO_PYTHON_START_VERSION}"; }
platform::paketo::procfile() {
  platform::paketo::buildpack procfile "${PAKETO_PROCFILE_VERSION}" github.com/paketo-buildpacks/procfile/v5 cmd/main
}
# Java group: libbs (under maven) imports source-removal's `logic` package, a module the proxy refuses.
platform::paketo::maven() {
  platform::paketo::buildpack maven "${PAKETO_MAVEN_VERSION}" github.com/paketo-buildpacks/maven/v6 cmd/main \
    "github.com/paketo-buildpacks/source-removal@v${PAKETO_SOURCE_REMOVAL_VERSION}"
}
platform::paketo::executable_jar() {
  platform::paketo::buildpack executable-jar "${PAKETO_EXECUTABLE_JAR_VERSION}" github.com/paketo-buildpacks/executable-jar/v6 cmd/main
}
platform::paketo::spring_boot() {
  platform::paketo::buildpack spring-boot "${PAKETO_SPRING_BOOT_VERSION}" github.com/paketo-buildpacks/spring-boot/v5 cmd/main
}
