/**
 * Detect for both tilt-live buildpacks: pass when the app has a Tiltfile, unless BP_TILT_LIVE_ENABLED says
 * otherwise. Only a stat and a small directory read: detect runs on every `pack build`.
 */
import { access } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ConfigVars, lookup, parseBoolean } from "../contract/config.js";
import { readPlatformEnv } from "../cnb/platform.js";
import {
  aloneInItsGroups,
  DEFAULT_BUILDPACKS_DIR,
  DEFAULT_ORDER_PATHS,
  type ExpandedOrder,
  membership,
  readExpandedOrder,
} from "../cnb/order.js";
import { readBuildpackDescriptor } from "./inputs.js";
import { OWN_BUILDPACK_IDS, SOURCE_BUILDPACK_ID, TILT_LIVE_ID } from "../contract/context.js";

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
  /** CNB_BUILDPACK_DIR, `<buildpacks dir>/<escaped id>/<version>`: tells which of the two buildpacks runs. */
  buildpackDir?: string;
  orderPaths?: string[];
}

/** The meta-buildpack users name; the message for a group without a language names it (docs/usage-pack.md). */
export const META_BUILDPACK_ID = "tilt-live/dev";

/**
 * The order as the detector expands it. The buildpacks dir is the one this buildpack was found in (pack's
 * builders and the lifecycle's default keep every buildpack in one dir), else the lifecycle's default.
 */
async function expandedOrder(options: DetectOptions): Promise<ExpandedOrder | undefined> {
  const buildpacksDir = options.buildpackDir ? dirname(dirname(options.buildpackDir)) : DEFAULT_BUILDPACKS_DIR;
  return readExpandedOrder(options.orderPaths ?? DEFAULT_ORDER_PATHS, buildpacksDir);
}

/**
 * tilt-live with no language buildpack in its group (`--buildpack ./tilt-live` alone) would give an image with no
 * process: fail detect and say what to write. The reason is all the user sees besides "No buildpack groups passed".
 */
function aloneResult(order: ExpandedOrder): DetectResult {
  return {
    pass: false,
    reason:
      `no language buildpack runs with tilt-live in ${order.path}: the image would have no app and no process. ` +
      `Name the meta-buildpack instead, which brings the app's language group: ` +
      `\`--buildpack docker://<registry>/tilt-live:<version>\` or \`--buildpack tilt-live-<version>.cnb\` ` +
      `(id ${META_BUILDPACK_ID}); or keep the builder's order and add \`--post-buildpack tilt-live\`; or spell the group out: ` +
      `\`--buildpack tilt-live/source --buildpack <language buildpacks> --buildpack tilt-live\` (docs/usage-pack.md)`,
  };
}

/**
 * BP_TILT_LIVE_ENABLED=false: step aside where the order makes tilt-live optional (a builder's order), but pass
 * where it is required (`--buildpack`, `--pre/--post-buildpack`, project.toml): a required buildpack that fails
 * detect fails the whole build, and bin/build contributes nothing when disabled, so the image comes out as it
 * would without tilt-live (the group in its labels still names it). Lifecycle tries an optional buildpack's
 * plan alternatives before dropping it, so no plan can tell the two cases apart: the order file does.
 */
async function detectDisabled(id: string | undefined, order: () => Promise<ExpandedOrder | undefined>): Promise<DetectResult> {
  const inOrder = id ? membership(await order(), id) : "unknown";
  if (inOrder === "optional") {
    return { pass: false, reason: `${ConfigVars.enabled}=false` };
  }
  return {
    pass: true,
    reason: `${ConfigVars.enabled}=false, but this build requires tilt-live (${inOrder === "required" ? "a required member of the order" : "no order file to say it is optional"}): it passes and contributes nothing`,
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
  const id = options.buildpackDir ? (await readBuildpackDescriptor(options.buildpackDir)).id : undefined;
  let order: Promise<ExpandedOrder | undefined> | undefined;
  const readOrder = () => {
    order ??= expandedOrder(options);
    return order;
  };
  if (id === TILT_LIVE_ID) {
    const expanded = await readOrder();
    if (expanded && aloneInItsGroups(expanded, id, OWN_BUILDPACK_IDS)) return aloneResult(expanded);
  }
  if (enabled === "false") return detectDisabled(id, readOrder);
  if (enabled === "true") return withWatchexec({ pass: true, reason: `${ConfigVars.enabled}=true` }, platformEnv, env, id);
  const hasTiltfile = await access(join(appDir, "Tiltfile")).then(
    () => true,
    () => false,
  );
  if (!hasTiltfile) return { pass: false, reason: `no Tiltfile in the app root (set ${ConfigVars.enabled}=true to force)` };
  return withWatchexec({ pass: true, reason: "found a Tiltfile" }, platformEnv, env, id);
}

/** Paketo parses the value with Go's strconv.ParseBool; a value it rejects fails its own detect, not ours. */
function paketoLiveReload(value: string | undefined): boolean {
  return ["1", "t", "T", "true", "TRUE", "True"].includes(value?.trim() ?? "");
}

function withWatchexec(
  result: DetectResult,
  platformEnv: Record<string, string>,
  env: NodeJS.ProcessEnv,
  id: string | undefined,
): DetectResult {
  if (!paketoLiveReload(lookup(platformEnv, env, PAKETO_LIVE_RELOAD))) return result;
  if (id !== SOURCE_BUILDPACK_ID) return result;
  return { ...result, reason: `${result.reason}; provides watchexec (${PAKETO_LIVE_RELOAD}=true)`, plan: WATCHEXEC_PLAN };
}
