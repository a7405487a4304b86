/** What a tilt-live bin/build receives from the lifecycle (buildpack spec, "Build"), gathered in one place. */
import { dirname, join } from "node:path";
import { readPlatformEnv } from "../cnb/platform.js";
import { readToml, expectString, optionalTable } from "../cnb/toml.js";
import { TiltLiveError } from "../core/errors.js";
import type { Logger } from "../log/logger.js";

export interface BuildInput {
  appDir: string;
  /** This buildpack's own layers dir, `<layers root>/<escaped id>` (CNB_LAYERS_DIR at build time). */
  ownLayersDir: string;
  /** The layers root, parent of every buildpack's layers dir. */
  layersRoot: string;
  platformDir: string;
  buildpackDir: string;
  planPath: string;
  env: NodeJS.ProcessEnv;
  platformEnv: Record<string, string>;
  logger: Logger;
}

/** What each variable the lifecycle gives bin/build holds (buildpack spec, "Build"). */
const LIFECYCLE_VARS = {
  CNB_LAYERS_DIR: "this buildpack's own layers dir, <layers root>/<escaped buildpack id>",
  CNB_PLATFORM_DIR: "the platform dir (the one holding env/)",
  CNB_BUILDPACK_DIR: "the buildpack's directory (the one holding buildpack.toml)",
  CNB_BP_PLAN_PATH: "the path of this buildpack's plan.toml",
} as const;

function required(env: NodeJS.ProcessEnv, name: keyof typeof LIFECYCLE_VARS): string {
  const value = env[name];
  if (!value) {
    throw new TiltLiveError("config", `${name} is not set`, {
      variable: name,
      allowed: `${LIFECYCLE_VARS[name]}; the CNB lifecycle sets it when it runs bin/build, so run the build through a platform such as \`pack build\``,
      detail: "bin/build is run by the CNB lifecycle, which sets CNB_LAYERS_DIR, CNB_PLATFORM_DIR, CNB_BUILDPACK_DIR and CNB_BP_PLAN_PATH.",
    });
  }
  return value;
}

/** Everything bin/build receives, but the logger: its level depends on the platform env read here. */
export async function readLifecycleInput(env: NodeJS.ProcessEnv, cwd: string): Promise<Omit<BuildInput, "logger">> {
  const ownLayersDir = required(env, "CNB_LAYERS_DIR");
  const platformDir = required(env, "CNB_PLATFORM_DIR");
  return {
    appDir: cwd,
    ownLayersDir,
    layersRoot: dirname(ownLayersDir),
    platformDir,
    buildpackDir: required(env, "CNB_BUILDPACK_DIR"),
    planPath: required(env, "CNB_BP_PLAN_PATH"),
    env,
    platformEnv: await readPlatformEnv(platformDir),
  };
}

export async function readBuildInput(env: NodeJS.ProcessEnv, cwd: string, logger: Logger): Promise<BuildInput> {
  return { ...(await readLifecycleInput(env, cwd)), logger };
}

export interface BuildpackDescriptor {
  id: string;
  name: string;
  version: string;
}

export async function readBuildpackDescriptor(buildpackDir: string): Promise<BuildpackDescriptor> {
  const path = join(buildpackDir, "buildpack.toml");
  const table = await readToml(path, "The buildpack's buildpack.toml is missing");
  const bp = optionalTable(table, "buildpack", path);
  if (!bp) throw new TiltLiveError("invalid-metadata", "no [buildpack] table", { path });
  const id = expectString(bp, "id", path);
  return { id, name: typeof bp.name === "string" ? bp.name : id, version: expectString(bp, "version", path) };
}
