/** What a tilt-live bin/build receives from the lifecycle (buildpack spec, "Build"), gathered in one place. */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readPlatformEnv } from "../cnb/platform.js";
import { readToml, expectString, optionalTable } from "../cnb/toml.js";
import { REBUILD_MARKER } from "../context.js";
import { TiltLiveError } from "../errors.js";
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
  /** True when tilt-live's rebuild re-runs the group inside a running container. */
  rebuild: boolean;
  logger: Logger;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) {
    throw new TiltLiveError("bad-usage", `${name} is not set`, {
      detail: "bin/build must be run by the CNB lifecycle, which sets it.",
    });
  }
  return value;
}

export async function readBuildInput(env: NodeJS.ProcessEnv, cwd: string, logger: Logger): Promise<BuildInput> {
  const ownLayersDir = required(env, "CNB_LAYERS_DIR");
  const platformDir = required(env, "CNB_PLATFORM_DIR");
  const mode = await readFile(join(platformDir, REBUILD_MARKER), "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  return {
    appDir: cwd,
    ownLayersDir,
    layersRoot: dirname(ownLayersDir),
    platformDir,
    buildpackDir: required(env, "CNB_BUILDPACK_DIR"),
    planPath: required(env, "CNB_BP_PLAN_PATH"),
    env,
    platformEnv: await readPlatformEnv(platformDir),
    rebuild: mode === "rebuild",
    logger,
  };
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
