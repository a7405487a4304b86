#!/usr/bin/env bash
# npm version <new>: npm runs this ("version" script) after it writes package.json and before it commits. It writes
# package.json's version, the one version source, into both buildpack descriptors and stages them, so that the
# checkout, dist/, the packages' tags and `tilt-live --version` all say the same (scripts/build.sh checks it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  cd "$TILT_LIVE_ROOT"
  local version file
  version=$(node -p 'require("./package.json").version')
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || util::die "package.json version '$version' is not semver"
  for file in buildpack.toml buildpacks/source/buildpack.toml; do
    sed -i "s/^  version = \".*\"\$/  version = \"${version}\"/" "$file"
    grep -qx "  version = \"${version}\"" "$file" || util::die "$file: found no [buildpack] version line to set"
  done
  grep -q "^## ${version}\b" CHANGELOG.md || util::die "CHANGELOG.md has no '## ${version}' section: add it, then run npm version again"
  git add buildpack.toml buildpacks/source/buildpack.toml 2>/dev/null || true
  util::print::step "buildpack.toml, buildpacks/source/buildpack.toml: ${version}"
}

main "$@"
