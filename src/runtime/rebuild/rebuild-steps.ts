/**
 * One rebuild inside the running container: mirror the synced source into the app dir, put back what the
 * image export took away (layer .toml files, non-launch layers), and re-run the group's build phase with the
 * lifecycle's own builder, the recorded build-time env and the image's copies of the buildpacks.
 * The supervisor (or the standalone `rebuild --no-restart`) calls it; restarting the app is the caller's job.
 */
import { access, constants, mkdir, readdir, rm, symlink, copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { readGroup } from "../../cnb/group.js";
import { EXPORTED_MTIME_MS, parseLayerToml } from "../../cnb/layer.js";
import { readToml } from "../../cnb/toml.js";
import { livePaths, readBuildEnv, readContext, runtimePaths, type LiveContext, type LivePaths } from "../../contract/context.js";
import { TiltLiveError, formatError, toTiltLiveError } from "../../core/errors.js";
import { exists, readdirIfExists } from "../../fsutil/copy.js";
import { unlessMissing } from "../../core/errno.js";
import type { MirrorChange } from "../../fsutil/mirror.js";
import { formatSeconds } from "../../log/logger.js";
import { readChangeSettings } from "../../contract/config.js";
import { buildFailure, readOomKills, type BuilderExit } from "./build-failure.js";
import type { Rebuild } from "./build-queue.js";
import { CGO_REBUILD_WARNING, hasCCompiler } from "../../contract/go-cgo.js";
import { restoreBindings } from "../../contract/recorded-bindings.js";
import { type ChangePlan, compileRules, formatPlan, planChanges } from "./change-plan.js";
import { keepingLaunchMetadata, recordProcesses, writeRebuildGroup } from "./rebuild-group.js";
import { readRecordedVars } from "../../contract/recorded-vars.js";
import { skipSbomWork } from "./rebuild-sbom.js";
import { readImageInputs, withoutImageInputsAsBuilt } from "../../contract/image-inputs.js";
import { createSourceMirror } from "./source-mirror.js";
import { asBuiltGoRoot } from "./go-root.js";
import { KEEP_ALL_FILES, KEEP_FILES_VAR } from "../../contract/kept-source.js";
import { checkSyntax, closeResidentParsers } from "./syntax-check.js";

/** rebuild's exit status when only a new image can take the change (documented in the README). */
export const IMAGE_BUILD_NEEDED_EXIT = 3;

export interface RebuildOptions {
  /** The layers root (context.layersRoot(env)): where the image's layers are, and CNB_LAYERS_DIR for the builder. */
  layersRoot: string;
  /** The env the tool runs with: only CNB_PLATFORM_API is taken from it (the image sets it). */
  env: NodeJS.ProcessEnv;
  tmpDir?: string;
  uid?: number;
  /** Keep language parsers running between rebuilds (the supervisor; not a one-shot `rebuild`). */
  resident?: boolean;
}

/**
 * The image sets CNB_PLATFORM_API, so `docker exec rebuild` has it; but the launcher removes it from the
 * processes it starts (the supervisor), and the lifecycle does not pass it to buildpacks at image build.
 * 0.13 is understood by every lifecycle from 0.18 on, and the env the builder is given here means the same
 * at every platform API that has CNB_GROUP_PATH and friends.
 */
const FALLBACK_PLATFORM_API = "0.13";

/** Files a buildpack writes afresh on every build; a stale one would be read as new by the lifecycle. */
const PER_BUILD_FILES = ["launch.toml", "build.toml", "store.toml"];

export function createRebuild(options: RebuildOptions): Rebuild {
  // Keeps the index of the source as of the last mirror: which app-dir entries are the user's to delete.
  const source = createSourceMirror(livePaths(options.layersRoot), options.tmpDir);
  // Changes mirrored since the last good build or restart: a failed or refused one leaves them to the next.
  let unbuilt: MirrorChange[] = [];
  // A mirror that stopped half way (a full disk) wrote some files without reporting them: until a good build,
  // the change set is unknown and only a rebuild is safe.
  let mirrorIncomplete = false;
  return async (onOutput, request = {}) => {
    const timings: Record<string, number> = {};
    const step = async <T>(name: string, label: string, work: () => Promise<T>): Promise<T> => {
      const start = performance.now();
      const result = await work();
      timings[name] = performance.now() - start;
      onOutput(`  ${label} (${formatSeconds(timings[name]!)})\n`);
      return result;
    };
    const started = performance.now();
    try {
      const paths = livePaths(options.layersRoot);
      const ctx = await readContext(paths.context);
      checkLayersRoot(ctx, options.layersRoot);
      checkUser(ctx, options.uid ?? process.getuid?.() ?? -1);
      await step("validate", "Checked the build metadata", () => validateMetadata(paths));
      const vars = await readRecordedVars(paths);
      const group = (await readGroup(paths.group)).map((bp) => bp.id);
      const settings = readChangeSettings(vars);
      const rules = await compileRules(group, settings, paths.src, vars);
      const clean = request.clean === true;
      const stats = await step("mirror", clean ? "Mirrored the source, --clean" : "Mirrored the source", () =>
        source.mirror(ctx.appDir, { keep: rules.outputs, clean, untouchedMtimeMs: EXPORTED_MTIME_MS }).catch((error: unknown) => {
          mirrorIncomplete = true;
          throw error;
        }),
      );
      const changes = await withoutImageInputsAsBuilt(
        mergeChanges(unbuilt, stats.changes),
        paths.src,
        settings.imageBuild,
        await readImageInputs(paths.imageInputs),
      );
      unbuilt = changes;
      const notFromSource = stats.leftAlone + stats.kept.length;
      const left = notFromSource > 0 ? `, ${notFromSource} not from the source left alone` : "";
      onOutput(`    ${stats.copied} copied, ${stats.deleted} deleted, ${stats.unchanged} unchanged${left}\n`);
      const syntax = await step("check", "Checked the syntax of changed files", () =>
        checkSyntax(ctx.appDir, stats.changedFiles, options.env, { resident: options.resident }),
      );
      if (syntax.problems.length > 0) {
        for (const problem of syntax.problems) onOutput(`${problem.output.trimEnd()}\n`);
        const files = syntax.problems.map((p) => p.file).join(", ");
        throw new TiltLiveError("build-failed", `Rebuild stopped: syntax error in ${files}`, {
          detail: "The language's own parser rejected the file; the build phase was not run.",
        });
      }
      const plan: ChangePlan = clean
        ? { action: "rebuild", reason: "--clean: the app dir is now an exact copy of the source" }
        : mirrorIncomplete
          ? { action: "rebuild", reason: "an earlier mirror stopped half way, so what it changed is not known" }
          : planChanges(changes, rules);
      onOutput(`  ${formatPlan(plan)}\n`);
      if (plan.action === "image") {
        onOutput(`${formatError(new TiltLiveError("image-build-needed", plan.reason))}\n`);
        timings.total = performance.now() - started;
        return { ok: false, exitCode: IMAGE_BUILD_NEEDED_EXIT, timings, action: plan.action };
      }
      if (plan.action === "restart") {
        unbuilt = [];
        timings.total = performance.now() - started;
        return { ok: true, exitCode: 0, timings, action: plan.action };
      }
      // What a buildpack wrote into the app dir stays for a restart, not for a build: npm-install takes an
      // existing node_modules for vendored modules ('npm rebuild') instead of installing ('npm ci').
      for (const output of stats.kept) await rm(join(ctx.appDir, output), { recursive: true, force: true });
      const restored = await step("restore", "Restored layer metadata and carried layers", () => restoreLayers(options.layersRoot, paths));
      if (restored.length > 0) onOutput(`    ${restored.join(", ")}\n`);
      if (ctx.goCgo && !(await hasCCompiler(options.env.PATH))) onOutput(`  ${CGO_REBUILD_WARNING}\n`);
      const platformDir = await preparePlatform(options.tmpDir, options.layersRoot, paths);
      const sbomNote = await skipSbomWork(platformDir, options.layersRoot, paths, vars);
      if (sbomNote) onOutput(`  ${sbomNote}\n`);
      const oomBefore = await readOomKills();
      const builder = await step("build", "Ran the build phase", () => runBuilder(ctx, paths, platformDir, options, onOutput));
      closeResidentParsers();
      const { exitCode } = builder;
      timings.total = performance.now() - started;
      if (exitCode !== 0) {
        onOutput(`${formatError(buildFailure({ ...builder, oomKills: (await readOomKills()) - oomBefore }))}\n`);
      } else {
        unbuilt = [];
        mirrorIncomplete = false;
      }
      return { ok: exitCode === 0, exitCode, timings, action: plan.action };
    } catch (error) {
      timings.total = performance.now() - started;
      onOutput(`${formatError(toTiltLiveError(error))}\n`);
      return { ok: false, exitCode: 1, timings };
    }
  };
}

/** The earlier changes with the newer ones on top, one entry per path. */
function mergeChanges(earlier: MirrorChange[], newer: MirrorChange[]): MirrorChange[] {
  const byPath = new Map(earlier.map((c) => [c.path, c]));
  for (const c of newer) {
    // A file added and then edited before a good build is still new to the buildpacks.
    const added = byPath.get(c.path)?.kind === "added" && c.kind === "modified";
    byPath.set(c.path, added ? { ...c, kind: "added" } : c);
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Reads every metadata file the build depends on before anything is changed, so a bad one names itself. */
async function validateMetadata(paths: LivePaths): Promise<void> {
  await readGroup(paths.group);
  await readBuildEnv(paths.buildEnv);
  await readToml(paths.plan, "The exported plan.toml is missing");
  for (const bp of await readdirIfExists(paths.buildpackMeta)) {
    const layers = join(paths.buildpackMeta, bp, "layers");
    for (const file of await readdirIfExists(layers)) {
      const path = join(layers, file);
      parseLayerToml(await readToml(path, "layer metadata"), path);
    }
  }
}

/** The image's launch.toml and layer files name the build's layers root: the tools must find the same one. */
function checkLayersRoot(ctx: LiveContext, layersRoot: string): void {
  if (ctx.layersRoot !== layersRoot) {
    throw new TiltLiveError("config", `The layers are expected at ${layersRoot}, but the image was built with them at ${ctx.layersRoot}`, {
      variable: "CNB_LAYERS_DIR",
      allowed: `${ctx.layersRoot} (or leave it unset when that is /layers)`,
      detail: "CNB_LAYERS_DIR in the container's env names the layers root tilt-live's tools use.",
    });
  }
}

function checkUser(ctx: LiveContext, uid: number): void {
  if (uid === 0) {
    throw new TiltLiveError("uid-mismatch", "rebuild cannot run as root", {
      detail: "The CNB lifecycle refuses to run buildpacks as root (uid 0).",
    });
  }
  if (uid !== -1 && uid !== ctx.buildUid) {
    throw new TiltLiveError("uid-mismatch", `rebuild runs as uid ${uid}, but the image was built by uid ${ctx.buildUid}`);
  }
}

/** Puts back, once per container, the layer .toml files and the non-launch layers the export left out. */
async function restoreLayers(layersRoot: string, paths: LivePaths): Promise<string[]> {
  const restored: string[] = [];
  if (!(await exists(paths.buildpackMeta))) return restored;
  for (const bp of await readdir(paths.buildpackMeta)) {
    const bpDir = join(layersRoot, bp);
    await mkdir(bpDir, { recursive: true });
    for (const name of PER_BUILD_FILES) await rm(join(bpDir, name), { force: true });
    for (const entry of await readdir(bpDir, { withFileTypes: true })) {
      // The lifecycle renames a layer with no flags to <name>.ignore and fails if that name is taken.
      if (entry.name.endsWith(".ignore")) await rm(join(bpDir, entry.name), { recursive: true, force: true });
    }
    const layerTomls = join(paths.buildpackMeta, bp, "layers");
    for (const file of await readdirIfExists(layerTomls)) {
      if (!(await exists(join(bpDir, file)))) {
        await copyFile(join(layerTomls, file), join(bpDir, file));
        restored.push(`${bp}/${file}`);
      }
    }
    const carried = join(paths.carried, bp);
    for (const entry of (await unlessMissing(readdir(carried, { withFileTypes: true }))) ?? []) {
      if (entry.isDirectory() && !(await exists(join(bpDir, entry.name)))) {
        // A link, not a copy: moving a directory out of a lower image layer copies it on overlayfs
        // (hundreds of MB for a toolchain). The lifecycle and the buildpacks follow the link; a buildpack
        // that resets the layer replaces the link with a fresh directory.
        await symlink(join(carried, entry.name), join(bpDir, entry.name));
        restored.push(`${bp}/${entry.name}/`);
      }
    }
  }
  for (const name of PER_BUILD_FILES) await rm(join(paths.own, name), { force: true });
  return restored;
}

async function preparePlatform(tmpDir: string | undefined, layersRoot: string, paths: LivePaths): Promise<string> {
  const dir = runtimePaths(tmpDir).platform;
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "env"), { recursive: true, mode: 0o700 });
  for (const name of await readdirIfExists(paths.platformEnv)) {
    await copyFile(join(paths.platformEnv, name), join(dir, "env", name));
  }
  await restoreBindings(paths.bindings, dir);
  // Through the platform dir: the lifecycle passes only a few variables of its own env on to buildpacks
  // (lifecycle env/build.go BuildEnvIncludelist), and every platform env file (env.WithPlatform).
  await writeFile(join(dir, "env", KEEP_FILES_VAR), KEEP_ALL_FILES);
  const goRoot = join(dir, "env", "GOROOT");
  const asBuilt = (await exists(goRoot)) ? undefined : await asBuiltGoRoot(layersRoot, paths.carried);
  if (asBuilt) await writeFile(goRoot, asBuilt);
  return dir;
}

async function runBuilder(
  ctx: LiveContext,
  paths: LivePaths,
  platformDir: string,
  options: RebuildOptions,
  onOutput: (text: string) => void,
): Promise<Omit<BuilderExit, "oomKills">> {
  await access(paths.lifecycle, constants.X_OK).catch((error: unknown) => {
    throw new TiltLiveError(
      "missing-file",
      "The image holds no lifecycle builder (the builder had none at /cnb/lifecycle/lifecycle)",
      { path: paths.lifecycle },
      { cause: error },
    );
  });
  // The lifecycle picks its phase from the name it is called by.
  const builder = join(runtimePaths(options.tmpDir).root, "builder");
  await rm(builder, { force: true });
  await symlink(paths.lifecycle, builder);
  const group = join(runtimePaths(options.tmpDir).root, "group.toml");
  const members = await writeRebuildGroup(paths.group, group);
  const recorded = await readBuildEnv(paths.buildEnv);
  const platformApi = options.env.CNB_PLATFORM_API || ctx.platformApi || FALLBACK_PLATFORM_API;
  const env: Record<string, string> = {
    ...recorded,
    CNB_PLATFORM_API: platformApi,
    CNB_LAYERS_DIR: options.layersRoot,
    CNB_APP_DIR: ctx.appDir,
    CNB_PLATFORM_DIR: platformDir,
    CNB_GROUP_PATH: group,
    CNB_PLAN_PATH: paths.plan,
    CNB_BUILDPACKS_DIR: paths.buildpacks,
    ...((await exists(paths.analyzed)) ? { CNB_ANALYZED_PATH: paths.analyzed } : {}),
  };
  let outputTail = "";
  const result = await keepingLaunchMetadata(options.layersRoot, async () => {
    const child = execa(builder, [], { env, extendEnv: false, cwd: ctx.appDir, reject: false, all: true, buffer: false });
    child.all?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      outputTail = (outputTail + text).slice(-4096);
      onOutput(text);
    });
    return await child;
  });
  if (result.exitCode === 0) await recordProcesses(options.layersRoot, members, paths);
  return { exitCode: result.exitCode ?? 1, signal: result.signal, outputTail };
}
