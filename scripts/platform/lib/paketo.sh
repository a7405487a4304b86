#!/usr/bin/env bash
# Step: Paketo's go-build and go-mod-vendor buildpacks, built from their Go modules the way their scripts/build.sh
# does (bin/run, with bin/detect and bin/build linking to it) and given the version their packager would write
# into buildpack.toml. The module paths have no /v2 suffix, so the proxy knows vX.Y.Z as vX.Y.Z+incompatible.

# platform::paketo::dir NAME VERSION: where the assembled buildpack lives.
platform::paketo::dir() { printf '%s/buildpacks/paketo-%s/%s' "${TILT_LIVE_CACHE}" "$1" "$2"; }

# platform::paketo::set_version BUILDPACK_TOML VERSION: adds `version = "..."` to the [buildpack] table.
platform::paketo::set_version() {
  local file="$1" version="$2"
  grep -q '^\[buildpack\]' "$file" || util::die "no [buildpack] table in $file"
  sed -i -e '/^\s*version\s*=/d' -e "s/^\[buildpack\]\$/[buildpack]\n  version = \"${version}\"/" "$file"
}

platform::paketo::ok() {
  local dir="$1" version="$2"
  [[ -x "$dir/bin/run" && -L "$dir/bin/detect" && -L "$dir/bin/build" ]] &&
    grep -q "^  version = \"${version}\"\$" "$dir/buildpack.toml" 2>/dev/null
}

# platform::paketo::buildpack NAME VERSION: github.com/paketo-buildpacks/NAME at vVERSION, assembled.
platform::paketo::buildpack() {
  local name="$1" version="$2" module dir src mod_dir
  module="github.com/paketo-buildpacks/${name}"
  dir=$(platform::paketo::dir "$name" "$version")
  if platform::paketo::ok "$dir" "$version"; then
    util::print::info "Reusing paketo-buildpacks/${name} ${version} (${dir})"
    return 0
  fi
  if ! mod_dir=$(platform::go_module_dir "$module" "v${version}+incompatible"); then
    platform::cnb::missing_module_help "$module" "$name" "$dir/bin/run"
    util::die_unavailable "cannot build paketo-buildpacks/${name} ${version}"
  fi
  src="${TILT_LIVE_CACHE}/src/${name}-v${version}"
  platform::writable_copy "$mod_dir" "$src"
  rm -rf "$dir" && mkdir -p "$dir/bin"
  util::print::info "Building paketo-buildpacks/${name} ${version} (go build ./run)"
  (cd "$src" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod \
    util::run_logged "${PLATFORM_LOGS}/${name}-build.log" \
    go build -trimpath -ldflags "-s -w" -o "$dir/bin/run" ./run)
  ln -s run "$dir/bin/detect"
  ln -s run "$dir/bin/build"
  cp "$src/buildpack.toml" "$dir/buildpack.toml"
  platform::paketo::set_version "$dir/buildpack.toml" "$version"
  platform::paketo::ok "$dir" "$version" || util::die "paketo-buildpacks/${name} assembled incompletely in $dir"
}

platform::paketo::go_build() { platform::paketo::buildpack go-build "${PAKETO_GO_BUILD_VERSION}"; }
platform::paketo::go_mod_vendor() { platform::paketo::buildpack go-mod-vendor "${PAKETO_GO_MOD_VENDOR_VERSION}"; }
