/**
 * Detect for both tilt-live buildpacks: pass when the app has a Tiltfile, unless BP_TILT_LIVE_ENABLED says
 * otherwise. Only a stat and a small directory read: detect runs on every `pack build`.
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import { ConfigVars, lookup, parseBoolean } from "./config.js";
import { readPlatformEnv } from "./cnb/platform.js";
import { DEFAULT_ORDER_PATHS, orderMembership } from "./cnb/order.js";
import { readBuildpackDescriptor } from "./build/inputs.js";
import { TiltLiveError } from "./errors.js";

export const DETECT_PASS = 0;
export const DETECT_FAIL = 100;

export interface DetectResult {
  pass: boolean;
  reason: string;
}

export interface DetectOptions {
  /** CNB_BUILDPACK_DIR: tells which of the two buildpacks runs (read only when disabled). */
  buildpackDir?: string;
  orderPaths?: string[];
}

/**
 * BP_TILT_LIVE_ENABLED=false: step aside where the order makes tilt-live optional (a builder's order), but pass
 * where it is required (`--buildpack`, `--pre/--post-buildpack`, project.toml): a required buildpack that fails
 * detect fails the whole build, and bin/build contributes nothing when disabled, so the image comes out as it
 * would without tilt-live (the group in its labels still names it). Lifecycle tries an optional buildpack's
 * plan alternatives before dropping it, so no plan can tell the two cases apart: the order file does.
 */
async function detectDisabled(options: DetectOptions): Promise<DetectResult> {
  const id = options.buildpackDir ? (await readBuildpackDescriptor(options.buildpackDir)).id : undefined;
  const membership = id ? await orderMembership(id, options.orderPaths ?? DEFAULT_ORDER_PATHS) : "unknown";
  if (membership === "optional") {
    return { pass: false, reason: `${ConfigVars.enabled}=false` };
  }
  return {
    pass: true,
    reason: `${ConfigVars.enabled}=false, but this build requires tilt-live (${membership === "required" ? "a required member of the order" : "no order file to say it is optional"}): it passes and contributes nothing`,
  };
}

export async function detect(appDir: string, platformDir: string, env: NodeJS.ProcessEnv, options: DetectOptions = {}): Promise<DetectResult> {
  const platformEnv = await readPlatformEnv(platformDir);
  let enabled;
  try {
    enabled = parseBoolean(lookup(platformEnv, env, ConfigVars.enabled), ConfigVars.enabled);
  } catch (error) {
    throw new TiltLiveError("bad-usage", (error as Error).message, { detail: "Set it to true, false, or leave it unset." });
  }
  if (enabled === "false") return detectDisabled(options);
  if (enabled === "true") return { pass: true, reason: `${ConfigVars.enabled}=true` };
  const hasTiltfile = await access(join(appDir, "Tiltfile")).then(
    () => true,
    () => false,
  );
  return hasTiltfile
    ? { pass: true, reason: "found a Tiltfile" }
    : { pass: false, reason: `no Tiltfile in the app root (set ${ConfigVars.enabled}=true to force)` };
}
