#!/usr/bin/env bash
# Step: the Java group's parts that are not buildpack sources (those are in paketo.sh; the stand-ins in stand-ins.sh):
#   syft         anchore/syft v${SYFT_VERSION} from the Go module proxy, which libpak runs to write the SBOM
#   Maven        apache-maven-${MAVEN_VERSION}-bin.tar.gz from Maven Central (fetched with the host's mvn), placed in the
#                maven buildpack as libpak's offline dependency (dependencies/<sha256>.toml + dependencies/<sha256>/)
#   seed repo    a local Maven repository with what samples/java and Maven's plugins need, filled by Maven
#                ${MAVEN_VERSION} itself (the distribution above), handed to builds through a `maven` binding whose
#                settings.xml mirrors every repository to it (file://), so that `pack build --network none` works

SYFT_BIN="${TILT_LIVE_CACHE}/bin/syft-v${SYFT_VERSION}/syft"
MAVEN_DIST_CACHE="${TILT_LIVE_CACHE}/maven/apache-maven-${MAVEN_VERSION}"

# platform::java::syft: builds syft once per version (go install from the proxy; about 2 min on 2 cores).
platform::java::syft() {
  local dir
  dir=$(dirname "${SYFT_BIN}")
  if [[ -x "${SYFT_BIN}" ]]; then
    util::print::info "Reusing syft ${SYFT_VERSION} (${SYFT_BIN})"
    return 0
  fi
  util::print::info "Building syft ${SYFT_VERSION} (go install github.com/anchore/syft/cmd/syft@v${SYFT_VERSION}; about 2 min)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  (cd /tmp && util::run_logged "${PLATFORM_LOGS}/syft-build.log" env CGO_ENABLED=0 GOBIN="$dir.tmp" GOFLAGS=-mod=mod \
    nice go install -trimpath -ldflags "-s -w -X main.version=${SYFT_VERSION}" \
    "github.com/anchore/syft/cmd/syft@v${SYFT_VERSION}")
  [[ -x "$dir.tmp/syft" ]] || util::die "go install of syft ${SYFT_VERSION} produced no binary in $dir.tmp"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

# platform::java::host_maven: the host's mvn and java, which fetch the distribution (installed when missing).
platform::java::host_maven() {
  command -v mvn >/dev/null && command -v java >/dev/null && return 0
  platform::apt_install maven openjdk-17-jdk-headless
}

# platform::java::maven_tarball: apache-maven-${MAVEN_VERSION}-bin.tar.gz from Maven Central, fetched once with mvn
# (dependency:copy of org.apache.maven:apache-maven:${MAVEN_VERSION}:tar.gz:bin, as the ordinary client does it).
platform::java::maven_tarball() {
  local file="${MAVEN_DIST_CACHE}/apache-maven-${MAVEN_VERSION}-bin.tar.gz"
  if [[ ! -f "$file" ]]; then
    platform::java::host_maven
    util::print::info "Fetching org.apache.maven:apache-maven:${MAVEN_VERSION}:tar.gz:bin from Maven Central (mvn dependency:copy)"
    rm -rf "${MAVEN_DIST_CACHE}.tmp" && mkdir -p "${MAVEN_DIST_CACHE}.tmp"
    util::run_logged "${PLATFORM_LOGS}/maven-fetch.log" mvn -B --no-transfer-progress \
      -Dmaven.repo.local="${TILT_LIVE_CACHE}/maven/host-repository" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.apache.maven:apache-maven:${MAVEN_VERSION}:tar.gz:bin" -DoutputDirectory="${MAVEN_DIST_CACHE}.tmp"
    [[ -f "${MAVEN_DIST_CACHE}.tmp/$(basename "$file")" ]] || util::die "mvn dependency:copy wrote no $(basename "$file")"
    rm -rf "${MAVEN_DIST_CACHE}" && mv "${MAVEN_DIST_CACHE}.tmp" "${MAVEN_DIST_CACHE}"
  fi
  printf '%s\n' "$file"
}

# platform::java::maven_dependency_entry BUILDPACK_TOML SHA256: that [[metadata.dependencies]] entry as a flat table
# (libpak's DependencyCache decodes <sha256>.toml into a BuildpackDependency and wants it equal to the entry).
platform::java::maven_dependency_entry() {
  awk -v sha="$2" '
    /^[ \t]*\[\[metadata\.dependencies\]\][ \t]*$/ { if (found) exit; buf = ""; inentry = 1; next }
    /^[ \t]*\[\[metadata\.dependencies\.licenses\]\][ \t]*$/ { if (inentry) buf = buf "\n[[licenses]]\n"; next }
    /^[ \t]*\[/ { if (found) exit; inentry = 0; next }
    inentry { line = $0; sub(/^[ \t]+/, "", line); if (line != "") buf = buf line "\n"
              if (line ~ "^sha256 = \"" sha "\"") found = 1 }
    END { if (found) printf "%s", buf }' "$1"
}

# platform::java::maven_dist: the distribution inside the maven buildpack as libpak's offline packaging lays it out.
platform::java::maven_dist() {
  local tarball sha entry deps="${MAVEN_DIR}/dependencies"
  [[ -f "${MAVEN_DIR}/buildpack.toml" ]] || util::die "paketo-buildpacks/maven is not assembled in ${MAVEN_DIR}"
  tarball=$(platform::java::maven_tarball)
  sha=$(sha256sum "$tarball" | cut -d' ' -f1)
  if [[ -f "$deps/$sha/$(basename "$tarball")" && -f "$deps/$sha.toml" ]]; then
    util::print::info "Reusing the Maven ${MAVEN_VERSION} distribution in $deps/$sha"
    return 0
  fi
  entry=$(platform::java::maven_dependency_entry "${MAVEN_DIR}/buildpack.toml" "$sha")
  [[ -n "$entry" ]] || util::die "$(basename "$tarball") (sha256 $sha) is not a dependency of ${MAVEN_DIR}/buildpack.toml: MAVEN_VERSION=${MAVEN_VERSION} does not match paketo-buildpacks/maven ${PAKETO_MAVEN_VERSION}"
  grep -q "^version = \"${MAVEN_VERSION}\"$" <<<"$entry" || util::die "the buildpack.toml entry of sha256 $sha is not Maven ${MAVEN_VERSION}"
  mkdir -p "$deps/$sha"
  cp "$tarball" "$deps/$sha/"
  printf '%s\n' "$entry" >"$deps/$sha.toml"
  util::print::info "Placed Maven ${MAVEN_VERSION} in $deps/$sha (offline dependency of paketo-buildpacks/maven)"
}

# The seed repository as builds see it: pack build --volume SEED:${MAVEN_MIRROR_MOUNT}:ro, and the same in a dev
# container whose rebuild may need an artifact its Maven cache layer does not hold yet (as a network mirror would be).
MAVEN_MIRROR_MOUNT=/mnt/maven-mirror

platform::java::seed_key() {
  printf '%s\n' "${MAVEN_VERSION}" "${MAVEN_SEED_EXTRA_ARTIFACTS}" "${MAVEN_MIRROR_MOUNT}" \
    "$(cat "${TILT_LIVE_ROOT}/samples/java/pom.xml")" | platform::hash
}
platform::java::seed_dir() { printf '%s/maven/seed-%s' "${TILT_LIVE_CACHE}" "$(platform::java::seed_key)"; }

# platform::java::seed: the seed repository (repository/) and the `maven` binding (binding/: type, settings.xml), once
# per key. Maven ${MAVEN_VERSION} builds samples/java the way the maven buildpack does (its default arguments) and
# fetches MAVEN_SEED_EXTRA_ARTIFACTS (dependencies tests add to the sample), all from Maven Central.
platform::java::seed() {
  local dir work maven_home artifact
  dir=$(platform::java::seed_dir)
  if [[ -f "$dir/binding/settings.xml" && -d "$dir/repository" ]]; then
    util::print::info "Reusing the Maven seed repository ${dir}"
    return 0
  fi
  work="$dir.tmp"
  rm -rf "$work" && mkdir -p "$work/dist" "$work/app" "$work/binding"
  tar -xzf "$(platform::java::maven_tarball)" -C "$work/dist" --strip-components=1
  maven_home="$work/dist"
  cp -r "${TILT_LIVE_ROOT}/samples/java/." "$work/app/"
  util::print::info "Filling the seed repository with Maven ${MAVEN_VERSION}: samples/java's build, ${MAVEN_SEED_EXTRA_ARTIFACTS}"
  platform::java::host_maven
  (cd "$work/app" && util::run_logged "${PLATFORM_LOGS}/maven-seed.log" "$maven_home/bin/mvn" -B --no-transfer-progress \
    -Dmaven.repo.local="$work/repository" -Dmaven.test.skip=true package)
  for artifact in ${MAVEN_SEED_EXTRA_ARTIFACTS}; do
    (cd "$work/app" && util::run_logged "${PLATFORM_LOGS}/maven-seed.log" "$maven_home/bin/mvn" -B --no-transfer-progress \
      -Dmaven.repo.local="$work/repository" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get -Dartifact="$artifact")
  done
  # Bookkeeping of the local repository that means nothing to a build reading it as a remote one.
  find "$work/repository" \( -name '*.lastUpdated' -o -name '_remote.repositories' -o -name 'resolver-status.properties' \) -delete
  printf 'maven' >"$work/binding/type"
  cat >"$work/binding/settings.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!-- tilt-live's offline platform: every repository is mirrored by the setup-time seed repository, mounted read-only
     at ${MAVEN_MIRROR_MOUNT} (scripts/platform/lib/java.sh). No <offline>: Maven copies what it needs into its cache. -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0">
  <mirrors>
    <mirror>
      <id>tilt-live-seed</id>
      <mirrorOf>*</mirrorOf>
      <url>file://${MAVEN_MIRROR_MOUNT}</url>
    </mirror>
  </mirrors>
</settings>
XML
  rm -rf "$work/dist" "$work/app"
  chmod -R a+rX "$work"
  rm -rf "$dir" && mv "$work" "$dir"
  # Seeds of other keys (an older pom.xml or extras list) are remade on demand; keep one.
  find "$(dirname "$dir")" -maxdepth 1 -name 'seed-*' ! -path "$dir" -exec rm -rf {} +
  util::print::info "Seed repository ${dir}/repository ($(du -sh "$dir/repository" | cut -f1)), binding ${dir}/binding"
}
