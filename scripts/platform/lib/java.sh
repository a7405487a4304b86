#!/usr/bin/env bash
# Step: the Java group's parts that are not buildpack sources (those are in paketo.sh; the stand-ins in stand-ins.sh):
#   syft         anchore/syft v${SYFT_VERSION} from the Go module proxy, which libpak runs to write the SBOM
#   Maven        apache-maven-${MAVEN_VERSION}-bin.tar.gz from Maven Central (fetched with the host's mvn), placed in the
#                maven buildpack as libpak's offline dependency (dependencies/<sha256>.toml + dependencies/<sha256>/)
#   bindings     spring-cloud-bindings-${SPRING_CLOUD_BINDINGS_VERSION}.jar from Maven Central the same way, placed in the
#                spring-boot buildpack as its offline dependency
#   seed repo    a local Maven repository with what samples/java, samples/spring and Maven's plugins need, filled by Maven
#                ${MAVEN_VERSION} itself (the distribution above), handed to builds through a `maven` binding whose
#                settings.xml mirrors every repository to it (file://), so that `pack build --network none` works

SYFT_BIN="${TILT_LIVE_CACHE}/bin/syft-v${SYFT_VERSION}${PLATFORM_ARCH_SUFFIX}/syft"
MAVEN_DIST_CACHE="${TILT_LIVE_CACHE}/maven/apache-maven-${MAVEN_VERSION}"

# platform::java::syft: builds syft once per version (go install from the proxy; about 2 min on 2 cores).
platform::java::syft() {
  local dir
  dir=$(dirname "${SYFT_BIN}")
  if [[ -x "${SYFT_BIN}" ]]; then
    util::print::info "Reusing syft ${SYFT_VERSION} (${SYFT_BIN})"
    return 0
  fi
  util::print::info "Building syft ${SYFT_VERSION} for linux/${PLATFORM_ARCH} (go install github.com/anchore/syft/cmd/syft@v${SYFT_VERSION}; about 2 min)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  # go install refuses GOBIN for a cross build and puts it in GOPATH/bin/linux_<arch>/: a GOPATH of its own (the
  # module cache stays the shared one).
  (cd /tmp && util::run_logged "${PLATFORM_LOGS}/syft${PLATFORM_ARCH_SUFFIX}-build.log" env CGO_ENABLED=0 \
    GOOS=linux GOARCH="${PLATFORM_ARCH}" GOPATH="$dir.tmp/gopath" GOMODCACHE="$(go env GOMODCACHE)" GOFLAGS=-mod=mod \
    nice go install -trimpath -ldflags "-s -w -X main.version=${SYFT_VERSION}" \
    "github.com/anchore/syft/cmd/syft@v${SYFT_VERSION}")
  local built
  built=$(find "$dir.tmp/gopath/bin" -name syft -type f | head -n1)
  [[ -n "$built" ]] || util::die "go install of syft ${SYFT_VERSION} produced no binary in $dir.tmp/gopath/bin"
  mv "$built" "$dir.tmp/syft" && rm -rf "$dir.tmp/gopath"
  platform::check_elf_arch "$dir.tmp/syft"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

# platform::java::host_maven: the host's mvn and java, which fetch the distribution (installed when missing).
platform::java::host_maven() {
  command -v mvn >/dev/null && command -v java >/dev/null && return 0
  platform::apt_install maven openjdk-17-jdk-headless
}

# platform::java::central_file COORDS DIR NAME: the artifact COORDS (groupId:artifactId:version:type[:classifier])
# from Maven Central as DIR/NAME, fetched once with the host's mvn (dependency:copy, as the ordinary client does it).
# Prints DIR/NAME.
platform::java::central_file() {
  local coords="$1" dir="$2" name="$3"
  if [[ ! -f "$dir/$name" ]]; then
    platform::java::host_maven
    util::print::info "Fetching ${coords} from Maven Central (mvn dependency:copy)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    util::run_logged "${PLATFORM_LOGS}/maven-fetch.log" mvn -B --no-transfer-progress \
      -Dmaven.repo.local="${TILT_LIVE_CACHE}/maven/host-repository" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -Dartifact="$coords" -DoutputDirectory="$dir.tmp"
    [[ -f "$dir.tmp/$name" ]] || util::die "mvn dependency:copy of ${coords} wrote no ${name} (log: ${PLATFORM_LOGS}/maven-fetch.log)"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  printf '%s\n' "$dir/$name"
}

# platform::java::maven_tarball: apache-maven-${MAVEN_VERSION}-bin.tar.gz from Maven Central.
platform::java::maven_tarball() {
  platform::java::central_file "org.apache.maven:apache-maven:${MAVEN_VERSION}:tar.gz:bin" "${MAVEN_DIST_CACHE}" \
    "apache-maven-${MAVEN_VERSION}-bin.tar.gz"
}

# platform::java::dependency_entry BUILDPACK_TOML SHA256: that [[metadata.dependencies]] entry as a flat table
# (libpak's DependencyCache decodes <sha256>.toml into a BuildpackDependency and wants it equal to the entry).
platform::java::dependency_entry() {
  awk -v sha="$2" '
    /^[ \t]*\[\[metadata\.dependencies\]\][ \t]*$/ { if (found) exit; buf = ""; inentry = 1; next }
    /^[ \t]*\[\[metadata\.dependencies\.licenses\]\][ \t]*$/ { if (inentry) buf = buf "\n[[licenses]]\n"; next }
    /^[ \t]*\[/ { if (found) exit; inentry = 0; next }
    inentry { line = $0; sub(/^[ \t]+/, "", line); if (line != "") buf = buf line "\n"
              if (line ~ "^sha256 = \"" sha "\"") found = 1 }
    END { if (found) printf "%s", buf }' "$1"
}

# platform::java::offline_dependency BUILDPACK_DIR FILE VERSION PIN: FILE inside the buildpack as libpak's offline
# packaging lays it out (dependencies/<sha256>.toml, the buildpack.toml entry of FILE's sha256, and the file in
# dependencies/<sha256>/), once. The entry must exist and be VERSION; PIN names the setting to fix when not.
platform::java::offline_dependency() {
  local bp_dir="$1" file="$2" version="$3" pin="$4" sha entry deps="$1/dependencies" name
  name=$(basename "$file")
  [[ -f "$bp_dir/buildpack.toml" ]] || util::die "no buildpack assembled in ${bp_dir} (buildpack.toml missing)"
  [[ -f "$file" ]] || util::die "no file ${file} to place in ${bp_dir}"
  sha=$(sha256sum "$file" | cut -d' ' -f1)
  if [[ -f "$deps/$sha/$name" && -f "$deps/$sha.toml" ]]; then
    util::print::info "Reusing ${name} in $deps/$sha"
    return 0
  fi
  entry=$(platform::java::dependency_entry "$bp_dir/buildpack.toml" "$sha")
  [[ -n "$entry" ]] || util::die "${name} (sha256 $sha) is not a dependency of $bp_dir/buildpack.toml: ${pin} does not match that buildpack's pin"
  grep -q "^version = \"${version}\"$" <<<"$entry" || util::die "the $bp_dir/buildpack.toml entry of sha256 $sha is not version ${version} (${pin})"
  mkdir -p "$deps/$sha.tmp"
  cp "$file" "$deps/$sha.tmp/"
  printf '%s\n' "$entry" >"$deps/$sha.toml"
  rm -rf "${deps:?}/$sha" && mv "$deps/$sha.tmp" "$deps/$sha"
  util::print::info "Placed ${name} in $deps/$sha (offline dependency of $(basename "$(dirname "$bp_dir")") $(basename "$bp_dir"))"
}

# platform::java::maven_dist: the Maven distribution inside the maven buildpack.
platform::java::maven_dist() {
  local tarball
  tarball=$(platform::java::maven_tarball)
  platform::java::offline_dependency "${MAVEN_DIR}" "$tarball" "${MAVEN_VERSION}" \
    "MAVEN_VERSION=${MAVEN_VERSION} (paketo-buildpacks/maven ${PAKETO_MAVEN_VERSION})"
}

# platform::java::spring_cloud_bindings: the spring-cloud-bindings jar inside the spring-boot buildpack, which
# contributes it to Spring Boot apps (the version it picks for Spring Boot 3).
platform::java::spring_cloud_bindings() {
  local jar
  jar=$(platform::java::central_file \
    "org.springframework.cloud:spring-cloud-bindings:${SPRING_CLOUD_BINDINGS_VERSION}:jar" \
    "${TILT_LIVE_CACHE}/maven/spring-cloud-bindings-${SPRING_CLOUD_BINDINGS_VERSION}" \
    "spring-cloud-bindings-${SPRING_CLOUD_BINDINGS_VERSION}.jar")
  platform::java::offline_dependency "${SPRING_BOOT_DIR}" "$jar" "${SPRING_CLOUD_BINDINGS_VERSION}" \
    "SPRING_CLOUD_BINDINGS_VERSION=${SPRING_CLOUD_BINDINGS_VERSION} (paketo-buildpacks/spring-boot ${PAKETO_SPRING_BOOT_VERSION})"
}

# The seed repository as builds see it: pack build --volume SEED:${MAVEN_MIRROR_MOUNT}:ro, and the same in a dev
# container whose rebuild may need an artifact its Maven cache layer does not hold yet (as a network mirror would be).
MAVEN_MIRROR_MOUNT=/mnt/maven-mirror

# The samples whose Maven builds fill the seed repository.
MAVEN_SEED_SAMPLES=(java spring)

platform::java::seed_key() {
  local sample
  {
    printf '%s\n' "${MAVEN_VERSION}" "${MAVEN_SEED_EXTRA_ARTIFACTS}" "${MAVEN_MIRROR_MOUNT}"
    for sample in "${MAVEN_SEED_SAMPLES[@]}"; do
      printf '%s\n' "$sample"
      cat "${TILT_LIVE_ROOT}/samples/${sample}/pom.xml"
    done
  } | platform::hash
}
platform::java::seed_dir() { printf '%s/maven/seed-%s' "${TILT_LIVE_CACHE}" "$(platform::java::seed_key)"; }

# platform::java::seed: the seed repository (repository/) and the `maven` binding (binding/: type, settings.xml), once
# per key. Maven ${MAVEN_VERSION} builds each of MAVEN_SEED_SAMPLES the way the maven buildpack does (its default
# arguments) and fetches MAVEN_SEED_EXTRA_ARTIFACTS (dependencies tests add to a sample), all from Maven Central.
platform::java::seed() {
  local dir work maven_home artifact sample
  dir=$(platform::java::seed_dir)
  if [[ -f "$dir/binding/settings.xml" && -d "$dir/repository" ]]; then
    util::print::info "Reusing the Maven seed repository ${dir}"
    return 0
  fi
  work="$dir.tmp"
  rm -rf "$work" && mkdir -p "$work/dist" "$work/binding"
  tar -xzf "$(platform::java::maven_tarball)" -C "$work/dist" --strip-components=1
  maven_home="$work/dist"
  util::print::info "Filling the seed repository with Maven ${MAVEN_VERSION}: the builds of samples/{${MAVEN_SEED_SAMPLES[*]}}, ${MAVEN_SEED_EXTRA_ARTIFACTS}"
  platform::java::host_maven
  for sample in "${MAVEN_SEED_SAMPLES[@]}"; do
    mkdir -p "$work/app-$sample"
    cp -r "${TILT_LIVE_ROOT}/samples/${sample}/." "$work/app-$sample/"
    (cd "$work/app-$sample" && util::run_logged "${PLATFORM_LOGS}/maven-seed-${sample}.log" "$maven_home/bin/mvn" -B \
      --no-transfer-progress -Dmaven.repo.local="$work/repository" -Dmaven.test.skip=true package)
  done
  for artifact in ${MAVEN_SEED_EXTRA_ARTIFACTS}; do
    (cd "$work" && util::run_logged "${PLATFORM_LOGS}/maven-seed.log" "$maven_home/bin/mvn" -B --no-transfer-progress \
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
  rm -rf "$work/dist" "$work"/app-*
  chmod -R a+rX "$work"
  rm -rf "$dir" && mv "$work" "$dir"
  # Seeds of other keys (an older pom.xml or extras list) are remade on demand. Besides this one, keep the newest
  # other: a checkout of another branch that shares this cache (and takes turns with this one) still uses it.
  find "$(dirname "$dir")" -maxdepth 1 -name 'seed-*' ! -name '*.tmp' ! -path "$dir" -printf '%T@ %p\n' |
    sort -rn | tail -n +2 | cut -d' ' -f2- | xargs -r rm -rf
  util::print::info "Seed repository ${dir}/repository ($(du -sh "$dir/repository" | cut -f1)), binding ${dir}/binding"
}
