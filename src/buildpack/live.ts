/**
 * bin/build of tilt-live, the last buildpack of the group: turns the image into a development image that can
 * rebuild itself in place. Each contribution is a launch layer (docs/layout.md); the app's processes are
 * declared again to run under the supervisor.
 */
import { dirname, join } from "node:path";
import { readdir, stat } from "node:fs/promises";
import { readGroup, type GroupEntry } from "../cnb/group.js";
import { writeLaunch } from "../cnb/launch.js";
import { escapeBuildpackId } from "../cnb/names.js";
import {
  ConfigVars,
  lookup,
  readBuildSettings,
  readChangeSettings,
  readJvmQuickStart,
  SKAFFOLD_DEVMODE_VAR,
  skaffoldAutoSync,
} from "../contract/config.js";
import { recordImageInputs } from "../contract/image-inputs.js";
import {
  Layers,
  OWN_BUILDPACK_IDS,
  SOURCE_BUILDPACK_ID,
  TILT_LIVE_ID,
  livePaths,
  writeJson,
  type LiveContext,
} from "../contract/context.js";
import { TiltLiveError } from "../core/errors.js";
import { copyTree, dropWorldWrite, exists, formatBytes, moveTree, treeSize } from "../fsutil/copy.js";
import { copyFile } from "node:fs/promises";
import { indexTree, writeMirrorIndex } from "../fsutil/mirror-index.js";
import { copyGroupBuildpacks } from "./buildpacks.js";
import { carryLayers, type CarriedLayer } from "./carried.js";
import { totalBytes, weighLayers, weightLine } from "./weigh.js";
import { KEEP_ALL_FILES, KEEP_FILES_VAR, keepsDeletedSource, userKeepFiles } from "../contract/kept-source.js";
import type { BuildInput } from "./inputs.js";
import { LAUNCH_ONLY, contributeLayer } from "./layer.js";
import { exportBuildpackFiles, exportLifecycleFiles } from "./metadata.js";
import { wrapProcesses } from "./processes.js";
import { recordBindings } from "../contract/recorded-bindings.js";
import { collectProcesses } from "../contract/recorded-processes.js";
import { recordEnv, writeRecordedEnv } from "../contract/recorded-env.js";
import { CGO_BUILD_NOTE, goUsedCgo } from "../contract/go-cgo.js";
import { DEVMODE_BOM_NAME, skaffoldSyncRules } from "./skaffold-sync.js";
import { installTools, toolPaths } from "./tools.js";
import { JVM_QUICK_START_OPTIONS, launchesJava, writeJvmQuickStart } from "./jvm-quick-start.js";
import type { BomEntry } from "../cnb/launch.js";

export interface LiveBuildOptions {
  /** The lifecycle binary of the builder; `/cnb/lifecycle/lifecycle` under pack. */
  lifecyclePath: string;
  version: string;
  uid: number;
  gid: number;
}

export async function buildLive(input: BuildInput, options: LiveBuildOptions): Promise<void> {
  const { logger, layersRoot } = input;
  const paths = livePaths(layersRoot);
  const group = await readGroup(join(layersRoot, "group.toml"));
  const self = group.findIndex((bp) => bp.id === TILT_LIVE_ID);
  const earlier = group.slice(0, self === -1 ? group.length : self);
  const others = earlier.filter((bp) => !OWN_BUILDPACK_IDS.has(bp.id));
  const tools = toolPaths(paths, input.buildpackDir);
  const setting = (name: string) => lookup(input.platformEnv, input.env, name);
  const imageBuild = readChangeSettings(setting).imageBuild;

  logger.process("This is a DEVELOPMENT image: it holds the app's source, toolchains and tilt-live's rebuild tools");
  logger.process("Do not ship it to production (build without a Tiltfile, or with BP_TILT_LIVE_ENABLED=false)");
  const goCgo = await goUsedCgo(input, group);
  if (goCgo) logger.process(CGO_BUILD_NOTE);
  logger.break();

  logger.process("Contributing the source snapshot (the live-update sync target)");
  await logger.timed(2, () => contributeSource(input, paths.src));

  logger.process("Exporting the build metadata");
  await logger.timed(2, () =>
    contributeLayer(input.ownLayersDir, Layers.meta, LAUNCH_ONLY, logger, async (dir) => {
      const files = await exportLifecycleFiles(layersRoot, dir);
      const count = await exportBuildpackFiles(layersRoot, others, dir);
      await recordBuildEnv(input, dir);
      const sourceEntries = await indexTree(paths.src);
      await writeMirrorIndex(join(dir, "source-index.json"), sourceEntries);
      logger.subprocess(
        `Source index: ${sourceEntries.size} entries (a rebuild deletes from the app dir only what the user deletes of them)`,
      );
      const inputs = await recordImageInputs(paths.src, imageBuild, join(dir, "image-inputs.json"));
      logger.subprocess(`Image inputs as built (${imageBuild.join(", ")}): ${Object.keys(inputs).join(", ") || "none present"}`);
      const bindings = await recordBindings(input.platformDir, input.platformEnv, input.env, join(dir, "bindings"));
      for (const b of bindings.recorded)
        logger.subprocess(`Binding ${b.name} (type ${b.type || "unknown"}): ${[...b.entries.keys()].join(", ")}`);
      if (bindings.excluded.length > 0) logger.subprocess(`Left out (${ConfigVars.bindingsExclude}): ${bindings.excluded.join(", ")}`);
      const ctx: LiveContext = {
        version: options.version,
        layersRoot,
        appDir: input.appDir,
        platformApi: input.env.CNB_PLATFORM_API ?? "",
        buildUid: options.uid,
        buildGid: options.gid,
        ...readBuildSettings(input.platformEnv, input.env),
        ...(goCgo ? { goCgo } : {}),
      };
      await writeJson(join(dir, "context.json"), ctx);
      logger.subprocess(`${files.join(", ")} and ${count} buildpack metadata file(s) of ${others.length} buildpack(s)`);
    }),
  );

  logger.process("Copying the group's buildpacks and the lifecycle builder");
  await logger.timed(2, async () => {
    const buildpacksRoot = dirname(dirname(input.buildpackDir));
    await contributeLayer(input.ownLayersDir, Layers.buildpacks, LAUNCH_ONLY, logger, async (dir) => {
      const deduped = await copyGroupBuildpacks(buildpacksRoot, group, dir);
      logger.subprocess(`${group.map((bp) => `${bp.id}@${bp.version}`).join(", ")}`);
      if (deduped > 0) logger.subprocess(`Stored ${formatBytes(deduped)} of identical files once`);
    });
    if (await exists(options.lifecyclePath)) {
      await contributeLayer(input.ownLayersDir, Layers.lifecycle, LAUNCH_ONLY, logger, async (dir) => {
        await copyFile(options.lifecyclePath, join(dir, "lifecycle"));
        logger.subprocess(`Lifecycle builder from ${options.lifecyclePath}`);
      });
    } else {
      logger.warning(`No lifecycle at ${options.lifecyclePath}: rebuild will not be able to run the build phase`);
    }
  });

  logger.process("Carrying build and cache layers (toolchains, compile caches)");
  // The detector wrote group.toml before the build phase began: its mtime bounds the build's start from below,
  // which is the safe side for trimming a Go build cache (go-cache-trim.ts).
  const buildStartMs = (await stat(join(layersRoot, "group.toml"))).mtimeMs;
  let carried: CarriedLayer[] = [];
  await logger.timed(2, () =>
    contributeLayer(input.ownLayersDir, Layers.carried, LAUNCH_ONLY, logger, async (dir) => {
      carried = await carryLayers(layersRoot, others, dir, buildStartMs);
      for (const layer of carried) {
        const flags = [layer.types.build && "build", layer.types.cache && "cache"].filter(Boolean).join("+");
        logger.subprocess(`${layer.buildpackId}:${layer.name} (${flags}, ${formatBytes(layer.bytes)})`);
        const trim = layer.goCacheTrim;
        if (trim)
          logger.subprocess(
            `  Go build cache: kept the ${trim.keptEntries} entries this build used, left out ${trim.droppedEntries} it did not (${formatBytes(trim.droppedBytes)})`,
          );
      }
      if (carried.length === 0) logger.subprocess("None: the earlier buildpacks have no build or cache layers");
    }),
  );

  logger.process("Installing the rebuild tools");
  const jvmQuickStart = readJvmQuickStart(setting) && (await launchesJava(layersRoot, others));
  await contributeLayer(input.ownLayersDir, Layers.tools, LAUNCH_ONLY, logger, async (dir) => {
    await installTools(dir, tools);
    if (jvmQuickStart) {
      await writeJvmQuickStart(dir);
      logger.subprocess(`JVM: ${JVM_QUICK_START_OPTIONS} first in JAVA_TOOL_OPTIONS (${ConfigVars.jvmQuickStart}=true)`);
    }
    logger.subprocess(`rebuild: ${tools.rebuild}`);
    logger.subprocess(`supervisor: ${tools.supervise}`);
    if (tools.sbomWriter) logger.subprocess(`syft during rebuilds only: ${join(paths.rebuildBin, "syft")} (SBOM writer)`);
  });

  // Only for Skaffold's auto sync: the lifecycle warns that [[bom]] is deprecated whenever a buildpack writes one.
  const bom = skaffoldAutoSync(setting) ? [await skaffoldSyncEntry(input, paths.src, imageBuild)] : [];
  await declareProcesses(input, earlier, tools, paths.processes, bom);

  const keptSource = keepsDeletedSource(
    earlier.map((bp) => bp.id),
    userKeepFiles(input.platformEnv),
  )
    ? [{ part: `app dir source (${KEEP_FILES_VAR}=${KEEP_ALL_FILES})`, bytes: await treeSize(input.appDir) }]
    : [];
  const weights = await weighLayers(input.ownLayersDir, carried, keptSource);
  await writeJson(paths.weight, { addedBytes: totalBytes(weights), layers: weights });
  logger.break();
  logger.process(weightLine(weights));
}

/** Skaffold's `sync: auto` rules (src/buildpack/skaffold-sync.ts), as the `[[bom]]` entry Skaffold looks for. */
async function skaffoldSyncEntry(input: BuildInput, srcDir: string, imageBuild: string[]): Promise<BomEntry> {
  const plan = await skaffoldSyncRules(join(input.ownLayersDir, Layers.src), imageBuild, srcDir);
  input.logger.process(
    `Skaffold sync rules (${SKAFFOLD_DEVMODE_VAR}=1, sync: auto): the source to ${srcDir}, except ${imageBuild.join(", ")}`,
  );
  input.logger.subprocess(
    plan.kind === "names"
      ? `${plan.rules.length} rules: any file whose name is not one of those, new files included`
      : `${plan.rules.length} rules: the files as built (a file added next to an image input needs an image build)`,
  );
  return { name: DEVMODE_BOM_NAME, metadata: { "devmode.sync": plan.rules } };
}

async function contributeSource(input: BuildInput, srcDir: string): Promise<void> {
  const { logger } = input;
  const snapshot = join(input.layersRoot, escapeBuildpackId(SOURCE_BUILDPACK_ID), Layers.snapshot, "tree");
  await contributeLayer(input.ownLayersDir, Layers.src, LAUNCH_ONLY, logger, async (dir) => {
    if (await exists(snapshot)) {
      await moveTree(snapshot, dir);
      logger.subprocess(`From ${SOURCE_BUILDPACK_ID}'s snapshot of the pristine source`);
    } else {
      const entries = await readdir(input.appDir);
      if (entries.length === 0) throw new TiltLiveError("empty-app-dir", "the app directory is empty", { path: input.appDir });
      await copyTree(input.appDir, dir);
      logger.subprocess(`From the app directory (${SOURCE_BUILDPACK_ID} did not run before the language buildpacks)`);
    }
    // The sync target is the container user's to write, nobody else's (the app dir is 0777 under pack).
    await dropWorldWrite(dir);
    logger.subprocess(`${formatBytes(await treeSize(dir))} at ${srcDir}`);
  });
}

async function recordBuildEnv(input: BuildInput, metaDir: string): Promise<void> {
  const fromSource = join(input.layersRoot, escapeBuildpackId(SOURCE_BUILDPACK_ID), Layers.snapshot);
  if (await exists(join(fromSource, "build-env.json"))) {
    await copyTree(join(fromSource, "platform-env"), join(metaDir, "platform-env"));
    await copyFile(join(fromSource, "build-env.json"), join(metaDir, "build-env.json"));
  } else {
    await writeRecordedEnv(metaDir, recordEnv(input.platformEnv, input.env));
  }
}

async function declareProcesses(
  input: BuildInput,
  earlier: GroupEntry[],
  tools: ReturnType<typeof toolPaths>,
  processesPath: string,
  bom: BomEntry[],
): Promise<void> {
  const { logger } = input;
  const processes = await collectProcesses(input.layersRoot, earlier);
  await writeJson(processesPath, processes);
  await writeLaunch(join(input.ownLayersDir, "launch.toml"), wrapProcesses(processes, tools), bom);
  logger.process("Processes, each under the tilt-live supervisor");
  for (const p of processes) {
    logger.subprocess(`${p.type}${p.default ? " (default)" : ""}: ${[...p.command, ...p.args].join(" ")}`);
  }
  if (processes.length === 0) logger.warning("The earlier buildpacks declared no process: there is nothing to supervise");
}
