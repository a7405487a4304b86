/**
 * Detect for both tilt-live buildpacks: pass when the app has a Tiltfile, unless BP_TILT_LIVE_ENABLED says
 * otherwise. Only a stat and a small directory read: detect runs on every `pack build`.
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import { ConfigVars, lookup, parseBoolean } from "../contract/config.js";
import { readPlatformEnv } from "../cnb/platform.js";
import { DEFAULT_ORDER_PATHS, orderMembership } from "../cnb/order.js";
import { readBuildpackDescriptor } from "./inputs.js";
import { SOURCE_BUILDPACK_ID } from "../contract/context.js";

export const DETECT_PASS = 0;
export const DETECT_FAIL = 100;

export interface DetectResult {
  pass: boolean;
  reason: string;
  /** The build plan (TOML) to write to CNB_BUILD_PLAN_PATH, when there is one. */
  plan?: string;
}

/** Paketo's live reload (RFC 0032): its buildpacks then require `watchexec` at launch to wrap their processes. */
export const PAKETO_LIVE_RELOAD = "BP_LIVE_RELOAD_ENABLED";

/**
 * tilt-live/source provides `watchexec` when Paketo's live reload is on (tilt-dev's `pack` extension always
 * turns it on), so that go-build and node-start pass detect on a builder without a watchexec buildpack: the
 * supervisor does watchexec's job (restart on change), and tilt-live runs the wrapped command directly
 * (recorded-processes.ts). The empty alternative keeps the group passing where nothing requires watchexec.
 */
const WATCHEXEC_PLAN = '[[provides]]\nname = "watchexec"\n\n[[or]]\n';

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

export async function detect(
  appDir: string,
  platformDir: string,
  env: NodeJS.ProcessEnv,
  options: DetectOptions = {},
): Promise<DetectResult> {
  const platformEnv = await readPlatformEnv(platformDir);
  const enabled = parseBoolean(lookup(platformEnv, env, ConfigVars.enabled), ConfigVars.enabled);
  if (enabled === "false") return detectDisabled(options);
  if (enabled === "true") return withWatchexec({ pass: true, reason: `${ConfigVars.enabled}=true` }, platformEnv, env, options);
  const hasTiltfile = await access(join(appDir, "Tiltfile")).then(
    () => true,
    () => false,
  );
  if (!hasTiltfile) return { pass: false, reason: `no Tiltfile in the app root (set ${ConfigVars.enabled}=true to force)` };
  return withWatchexec({ pass: true, reason: "found a Tiltfile" }, platformEnv, env, options);
}

/** Paketo parses the value with Go's strconv.ParseBool; a value it rejects fails its own detect, not ours. */
function paketoLiveReload(value: string | undefined): boolean {
  return ["1", "t", "T", "true", "TRUE", "True"].includes(value?.trim() ?? "");
}

async function withWatchexec(
  result: DetectResult,
  platformEnv: Record<string, string>,
  env: NodeJS.ProcessEnv,
  options: DetectOptions,
): Promise<DetectResult> {
  if (!paketoLiveReload(lookup(platformEnv, env, PAKETO_LIVE_RELOAD))) return result;
  if (!options.buildpackDir || (await readBuildpackDescriptor(options.buildpackDir)).id !== SOURCE_BUILDPACK_ID) return result;
  return { ...result, reason: `${result.reason}; provides watchexec (${PAKETO_LIVE_RELOAD}=true)`, plan: WATCHEXEC_PLAN };
}
