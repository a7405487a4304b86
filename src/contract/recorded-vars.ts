/**
 * The build-time variables as the image build saw them (tilt-live/source records them, docs/layout.md): the
 * user's platform env first, then the process env the lifecycle gave the buildpacks. The in-container tools
 * read their BP_TILT_LIVE_* settings and the buildpacks' BP_* switches from here.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { lookup } from "./config.js";
import { type LivePaths, readBuildEnv } from "./context.js";
import { exists, readdirIfExists } from "../fsutil/copy.js";

export type RecordedVars = (name: string) => string | undefined;

export async function readRecordedVars(paths: Pick<LivePaths, "platformEnv" | "buildEnv">): Promise<RecordedVars> {
  const platformEnv: Record<string, string> = {};
  for (const name of await readdirIfExists(paths.platformEnv)) {
    platformEnv[name] = await readFile(join(paths.platformEnv, name), "utf8");
  }
  const buildEnv = (await exists(paths.buildEnv)) ? await readBuildEnv(paths.buildEnv) : {};
  return (name) => lookup(platformEnv, buildEnv, name);
}
