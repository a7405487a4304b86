/**
 * bin/build of tilt-live/source, the first buildpack of the group: it keeps what later buildpacks may
 * destroy. The pristine app source and the recorded build env go into a build-only layer (not exported:
 * tilt-live, last in the group, turns them into launch layers).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { copyTree, dropWorldWrite, formatBytes, treeSize } from "../fsutil/copy.js";
import { Layers, TILT_LIVE_ID } from "../contract/context.js";
import { readGroup } from "../cnb/group.js";
import { readOptionalToml } from "../cnb/toml.js";
import { PAKETO_LIVE_RELOAD } from "./detect.js";
import { BUILD_ONLY, contributeLayer } from "./layer.js";
import type { BuildInput } from "./inputs.js";
import { recordEnv, writeRecordedEnv } from "../contract/recorded-env.js";
import { KEEP_ALL_FILES, KEEP_FILES_VAR, userKeepFiles } from "../contract/kept-source.js";

export async function buildSource(input: BuildInput): Promise<void> {
  const { logger } = input;
  await checkWatchexecStandIn(input);
  logger.process("Snapshotting the pristine app source");
  await contributeLayer(input.ownLayersDir, Layers.snapshot, BUILD_ONLY, logger, async (dir) => {
    // The tree sits one level down so that no top-level bin/ or lib/ of the app lands on the PATH of
    // later buildpacks (the lifecycle adds a build layer's bin/ and lib/ to their environment).
    await copyTree(input.appDir, join(dir, "tree"));
    await dropWorldWrite(join(dir, "tree"));
    const recorded = recordEnv(input.platformEnv, input.env);
    await writeRecordedEnv(dir, recorded);
    logger.subprocess(`Copied ${formatBytes(await treeSize(join(dir, "tree")))} from ${input.appDir}`);
    logger.subprocess(`Recorded ${Object.keys(recorded.platformEnv).length} build-time platform variable(s)`);
    if (recorded.excluded.length > 0) logger.subprocess(`Left out (BP_TILT_LIVE_ENV_EXCLUDE): ${recorded.excluded.join(", ")}`);
    await writeBuildEnv(dir, KEEP_FILES_VAR, KEEP_ALL_FILES);
    const user = userKeepFiles(input.platformEnv);
    logger.subprocess(
      user === undefined
        ? `Keeping the app dir's source for rebuilds (${KEEP_FILES_VAR}=${KEEP_ALL_FILES} for the buildpacks after this one)`
        : `${KEEP_FILES_VAR}=${user} is set on the platform: the image keeps only that, rebuilds keep all of the source`,
    );
  });
}

/** Sets `name` for the buildpacks after this one: the layer's env.build (buildpack spec, "Environment"). */
async function writeBuildEnv(layerDir: string, name: string, value: string): Promise<void> {
  await mkdir(join(layerDir, "env.build"), { recursive: true });
  await writeFile(join(layerDir, "env.build", `${name}.override`), value);
}

/** detect.ts let this buildpack stand in for watchexec: only tilt-live, later in the group, makes that good. */
async function checkWatchexecStandIn(input: BuildInput): Promise<void> {
  const plan = await readOptionalToml(input.planPath);
  const entries = (plan?.entries as Array<{ name?: string }> | undefined) ?? [];
  if (!entries.some((entry) => entry.name === "watchexec")) return;
  const group = await readGroup(join(input.layersRoot, "group.toml"));
  if (group.some((bp) => bp.id === TILT_LIVE_ID)) {
    input.logger.process(`${PAKETO_LIVE_RELOAD}=true: standing in for watchexec; tilt-live's supervisor restarts the app instead`);
  } else {
    input.logger.warning(
      `${PAKETO_LIVE_RELOAD}=true and no tilt-live in the group: the reload processes call a watchexec that is not there; add tilt-live last`,
    );
  }
}
