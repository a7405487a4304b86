/**
 * Detect for both tilt-live buildpacks: pass when the app has a Tiltfile, unless BP_TILT_LIVE_ENABLED says
 * otherwise. Only a stat and a small directory read: detect runs on every `pack build`.
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import { ConfigVars, lookup, parseBoolean } from "./config.js";
import { readPlatformEnv } from "./cnb/platform.js";

export const DETECT_PASS = 0;
export const DETECT_FAIL = 100;

export interface DetectResult {
  pass: boolean;
  reason: string;
}

export async function detect(appDir: string, platformDir: string, env: NodeJS.ProcessEnv): Promise<DetectResult> {
  const platformEnv = await readPlatformEnv(platformDir);
  const enabled = parseBoolean(lookup(platformEnv, env, ConfigVars.enabled), ConfigVars.enabled);
  if (enabled === "false") {
    // Detection cannot tell an optional member of a builder's order from a required one (--buildpack,
    // --pre/--post-buildpack); for the required case the lifecycle only says that no group passed.
    return {
      pass: false,
      reason: `${ConfigVars.enabled}=false (where tilt-live is required, as with --buildpack or --pre/--post-buildpack, drop it from the command instead)`,
    };
  }
  if (enabled === "true") return { pass: true, reason: `${ConfigVars.enabled}=true` };
  const hasTiltfile = await access(join(appDir, "Tiltfile")).then(
    () => true,
    () => false,
  );
  return hasTiltfile
    ? { pass: true, reason: "found a Tiltfile" }
    : { pass: false, reason: `no Tiltfile in the app root (set ${ConfigVars.enabled}=true to force)` };
}
