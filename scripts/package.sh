#!/usr/bin/env bash
# npm run package: dist/tilt-live.cnb and dist/tilt-live-source.cnb (OCI layout archives that
# `pack build --buildpack <file>.cnb` and `pack builder create` take), from package.toml and
# buildpacks/source/package.toml. Needs the buildpacks built (npm run build) and pack (the platform's).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  cd "$TILT_LIVE_ROOT"
  [[ -x dist/buildpacks/tilt-live/bin/tilt-live ]] || util::timed "Build the buildpacks" bash scripts/build.sh
  local pack="${PACK:-}"
  if [[ -z "$pack" ]]; then
    local env_file="${TILT_LIVE_CACHE}/platform/platform.env"
    [[ -f "$env_file" ]] || util::die "no pack: run scripts/platform/setup.sh (or set PACK=/path/to/pack)"
    # shellcheck source=/dev/null
    source "$env_file"
    pack="$PACK"
    export PACK_HOME
  fi
  util::print::title "tilt-live package"
  util::timed "tilt-live.cnb" "$pack" buildpack package dist/tilt-live.cnb --config package.toml --format file
  util::timed "tilt-live-source.cnb" "$pack" buildpack package dist/tilt-live-source.cnb \
    --config buildpacks/source/package.toml --format file
  util::print::step "$(du -h dist/*.cnb | tr '\n' ' ')"
}

main "$@"
