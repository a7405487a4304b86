#!/usr/bin/env bash
# npm run lint (and the first step of npm test): Biome lints the TypeScript and checks its formatting (biome.json),
# and Debian's shellcheck (installed when missing) checks every shell script of the repo. Fails on any finding.
# `npx biome check --write .` applies Biome's safe fixes and the formatting.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "${TILT_LIVE_ROOT}/scripts/platform/lib/common.sh"

# The repo's shell scripts: *.sh and the extensionless files whose first line names sh or bash.
shell_scripts() {
  local file
  while IFS= read -r file; do
    if [[ "$file" == *.sh ]] || head -n1 "$file" | grep -Eq '^#!.*\b(ba)?sh\b'; then printf '%s\n' "$file"; fi
  done < <(git ls-files)
}

main() {
  cd "$TILT_LIVE_ROOT"
  [[ -d node_modules ]] || util::timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
  util::timed "Biome (lint, format check)" npx biome check --error-on-warnings .
  command -v shellcheck >/dev/null || platform::apt_install shellcheck
  local scripts=()
  mapfile -t scripts < <(shell_scripts)
  util::timed "shellcheck (${#scripts[@]} scripts)" shellcheck --external-sources --source-path=SCRIPTDIR "${scripts[@]}"
}

main "$@"
