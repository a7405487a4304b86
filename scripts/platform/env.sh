#!/usr/bin/env bash
# Prints the platform's names as shell exports (eval "$(scripts/platform/env.sh)"): PACK, PACK_HOME,
# PACK_VOLUME_KEY, LIFECYCLE_VERSION, LIFECYCLE_IMAGE, LIFECYCLE_TGZ, BUILDER, RUN_IMAGE, BUILD_IMAGE. With --json, the JSON form.
# Both are written by scripts/platform/setup.sh; this only reads them.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "${SCRIPT_DIR}/../lib.sh"
source "${SCRIPT_DIR}/lib/common.sh"

main() {
  local file="${PLATFORM_ENV_FILE}"
  case "${1:-}" in
    --json) file="${PLATFORM_JSON_FILE}" ;;
    -h | --help) sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \?//' && return 0 ;;
    "") ;;
    *) util::die "unknown argument: $1 (expected --json or nothing)" ;;
  esac
  [[ -f "$file" ]] || util::die "no platform yet ($file missing): run scripts/platform/setup.sh"
  cat "$file"
}

main "$@"
