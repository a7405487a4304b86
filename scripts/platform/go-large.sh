#!/usr/bin/env bash
# The large Go project of the bench's go-large profile (issue 24): GO_LARGE_MODULE GO_LARGE_VERSION from the Go module
# proxy, its modules vendored (`go mod vendor`, also from the proxy) so that `pack build --network none` compiles it,
# and the bench overlay of samples/go-large/overlay on top. Fetched once per version, never committed.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/platform/go-large.sh [fetch|path]
  fetch  (default) fetch and vendor ${GO_LARGE_MODULE}@v${GO_LARGE_VERSION} if it is not cached
  path   print the app dir (fails when it is not fetched)
Output: \${TILT_LIVE_CACHE}/go-large/$(basename "${GO_LARGE_MODULE}")-v${GO_LARGE_VERSION}  (TILT_LIVE_CACHE=${TILT_LIVE_CACHE})
Logs:   \${TILT_LIVE_CACHE}/go-large/logs/
USAGE
}

GO_LARGE_DIR="${TILT_LIVE_CACHE}/go-large/$(basename "${GO_LARGE_MODULE}")-v${GO_LARGE_VERSION}"
GO_LARGE_LOGS="${TILT_LIVE_CACHE}/go-large/logs"
GO_LARGE_OVERLAY="${TILT_LIVE_ROOT}/samples/go-large/overlay"

# The app dir's stamp: the overlay it was made with, outside the app dir (the app's source is what the bench times).
GO_LARGE_STAMP="${GO_LARGE_DIR}.overlay"

# go_large::overlay_hash: sha256 of the overlay's files, names and contents.
go_large::overlay_hash() {
  (cd "${GO_LARGE_OVERLAY}" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)
}

# go_large::complete: the app dir is vendored and holds the overlay as committed now (an overlay edit fetches again).
go_large::complete() {
  [[ -f "${GO_LARGE_DIR}/vendor/modules.txt" && "$(cat "${GO_LARGE_STAMP}" 2>/dev/null)" == "$(go_large::overlay_hash)" ]]
}

fetch() {
  util::cached_or_lock "${GO_LARGE_MODULE} ${GO_LARGE_VERSION}" "${GO_LARGE_DIR}" "${GO_LARGE_DIR}.lock" go_large::complete && return 0
  local src work="${GO_LARGE_DIR}.tmp"
  src=$(util::timed "Downloading ${GO_LARGE_MODULE}@v${GO_LARGE_VERSION}" \
    util::go_module_or_die "${GO_LARGE_MODULE}@v${GO_LARGE_VERSION}" "${GO_LARGE_LOGS}/download.log")
  util::writable_copy "$src" "$work"
  cp -R "${GO_LARGE_OVERLAY}/." "$work/"
  # The module zip has no vendor/: the modules come from the proxy now, so that the image build needs no network.
  (cd "$work" && util::timed "go mod vendor (log: ${GO_LARGE_LOGS}/vendor.log)" \
    util::run_logged "${GO_LARGE_LOGS}/vendor.log" env GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod vendor)
  rm -rf "${GO_LARGE_DIR}"
  mv "$work" "${GO_LARGE_DIR}"
  go_large::overlay_hash >"${GO_LARGE_STAMP}"
  util::print::step "${GO_LARGE_MODULE} ${GO_LARGE_VERSION}: ${GO_LARGE_DIR} ($(du -sh "${GO_LARGE_DIR}/vendor" | cut -f1) vendored)"
}

main() {
  case "${1:-fetch}" in
    -h | --help | help) usage ;;
    fetch) util::timed "${GO_LARGE_MODULE} ${GO_LARGE_VERSION}" fetch ;;
    path)
      go_large::complete || util::die "${GO_LARGE_MODULE} ${GO_LARGE_VERSION} is not fetched yet: run scripts/platform/go-large.sh"
      printf '%s\n' "${GO_LARGE_DIR}"
      ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
