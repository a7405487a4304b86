// The versions scripts/versions.env pins (the platform scripts install exactly these): tests read them from
// there instead of repeating them, so a version bump is one edit.
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./platform.js";

let pinned: string | undefined;

/** The value of NAME=value in scripts/versions.env; throws when it is not pinned there. */
export function pinnedVersion(name: string): string {
  pinned ??= readFileSync(path.join(repoRoot, "scripts/versions.env"), "utf8");
  const match = pinned.match(new RegExp(`^${name}=(\\S+)$`, "m"));
  if (!match?.[1]) throw new Error(`${name} is not pinned in scripts/versions.env`);
  return match[1];
}

/** tilt-live's own version: package.json's, the one source the buildpacks, the packages and `--version` follow. */
export const TILT_LIVE_VERSION: string = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string })
  .version;
