/**
 * The build-time environment a rebuild must reproduce: the user's `<platform>/env` and the environment the
 * lifecycle gave the buildpacks. Values are kept byte for byte (newlines, quotes, unicode). Variables the
 * user lists in BP_TILT_LIVE_ENV_EXCLUDE (separated by commas, colons or newlines) are left out of both, so secrets need not end up
 * in the development image.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigVars, lookup, parseList } from "./config.js";
import { writeJson } from "./context.js";

/** Variables the lifecycle sets per buildpack; a rebuild's lifecycle sets them again. */
const PER_BUILDPACK = new Set(["CNB_LAYERS_DIR", "CNB_BP_PLAN_PATH", "CNB_BUILDPACK_DIR", "CNB_PLATFORM_DIR", "CNB_OUTPUT_DIR"]);

export interface RecordedEnv {
  platformEnv: Record<string, string>;
  buildEnv: Record<string, string>;
  excluded: string[];
}

export function recordEnv(platformEnv: Record<string, string>, env: NodeJS.ProcessEnv): RecordedEnv {
  const exclude = new Set(parseList(lookup(platformEnv, env, ConfigVars.envExclude)));
  const keep = (name: string) => !exclude.has(name);
  const buildEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && keep(name) && !PER_BUILDPACK.has(name)) buildEnv[name] = value;
  }
  return {
    platformEnv: Object.fromEntries(Object.entries(platformEnv).filter(([name]) => keep(name))),
    buildEnv,
    excluded: [...exclude].sort(),
  };
}

export async function writeRecordedEnv(dir: string, recorded: RecordedEnv): Promise<void> {
  const envDir = join(dir, "platform-env");
  await mkdir(envDir, { recursive: true, mode: 0o700 });
  for (const [name, value] of Object.entries(recorded.platformEnv)) {
    await writeFile(join(envDir, name), value, { mode: 0o600 });
  }
  await writeJson(join(dir, "build-env.json"), recorded.buildEnv);
}
