#!/usr/bin/env bash
# Step: the stack images, made from a Debian rootfs (debootstrap) since no container registry is reachable.
# Cached: the rootfs tarball per (suite, package list) under ${PLATFORM_CACHE}/stack, the images by the same key.

STACK_CACHE="${PLATFORM_CACHE}/stack"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# platform::stack::rootfs KIND PACKAGES: prints the path of the rootfs tarball, running debootstrap when missing.
platform::stack::rootfs() {
  local kind="$1" pkgs="$2" key tarball work
  key=$(platform::stack_key "$kind")
  tarball="${STACK_CACHE}/rootfs-${kind}-${key}.tar"
  if [[ -f "$tarball" ]]; then
    util::print::info "Reusing rootfs ${tarball}" && printf '%s\n' "$tarball" && return 0
  fi
  platform::apt_install debootstrap
  work="${STACK_CACHE}/tmp-${kind}-${key}"
  rm -rf "$work" && mkdir -p "$work" "${STACK_CACHE}/debs"
  util::print::info "debootstrap ${DEBIAN_SUITE} (minbase + ${pkgs}) for the ${kind} image"
  util::run_logged "${PLATFORM_LOGS}/debootstrap-${kind}.log" \
    debootstrap --variant=minbase --cache-dir="${STACK_CACHE}/debs" --include="${pkgs// /,}" \
    "${DEBIAN_SUITE}" "$work/rootfs" "${DEBIAN_MIRROR}"
  # Leftovers that only make the image bigger; apt works again after `apt-get update`.
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/debootstrap"
  tar --numeric-owner --xattrs -C "$work/rootfs" -cf "$work/rootfs.tar" .
  mv "$work/rootfs.tar" "$tarball"
  rm -rf "$work"
  printf '%s\n' "$tarball"
}

# platform::stack::image KIND PACKAGES: makes tilt-live/stack-KIND:<key> and tags it :latest.
platform::stack::image() {
  local kind="$1" pkgs="$2" image tarball base distro_version ctx
  image=$(platform::stack_image "$kind")
  if platform::image_exists "$image"; then
    util::print::info "Reusing image ${image}"
  else
    tarball=$(platform::stack::rootfs "$kind" "$pkgs")
    base="tilt-live/stack-rootfs-${kind}:${image##*:}"
    util::run_logged "${PLATFORM_LOGS}/import-${kind}.log" docker import "$tarball" "$base"
    distro_version=$(tar -xOf "$tarball" ./etc/debian_version | cut -d. -f1)
    util::temp_dir ctx
    cp "${PLATFORM_SRC}/stack/Dockerfile" "$ctx/"
    util::run_logged "${PLATFORM_LOGS}/docker-build-${kind}.log" env DOCKER_BUILDKIT=0 docker build -q \
      --build-arg BASE="$base" --build-arg STACK_ID="${STACK_ID}" --build-arg KIND="$kind" \
      --build-arg DISTRO_VERSION="$distro_version" -t "$image" "$ctx"
    rm -rf "$ctx"
    docker image rm "$base" >/dev/null
    util::print::info "Made image ${image}"
  fi
  docker tag "$image" "tilt-live/stack-${kind}:latest"
  local removed
  for removed in $(platform::remove_superseded "tilt-live/stack-${kind}" "$image" "stack image"); do
    rm -f "${STACK_CACHE}/rootfs-${kind}-${removed}.tar"
  done
}

platform::stack::ensure() {
  mkdir -p "${STACK_CACHE}"
  platform::stack::image build "${STACK_BUILD_PACKAGES}"
  platform::stack::image run "${STACK_RUN_PACKAGES}"
}
