/**
 * What tilt-live's build records for its in-container tools (docs/layout.md): where things are, who built
 * the image, and the settings the tools follow. Written once by the build, read by rebuild and the supervisor.
 */
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TiltLiveError } from "./errors.js";
import { readRequiredFile } from "./fsutil/read.js";
import type { Process } from "./cnb/launch.js";

export const TILT_LIVE_ID = "tilt-live";
export const SOURCE_BUILDPACK_ID = "tilt-live/source";

/** Layer names of tilt-live (the last buildpack) and tilt-live/source (the first). */
export const Layers = {
  src: "src",
  meta: "meta",
  buildpacks: "buildpacks",
  lifecycle: "lifecycle",
  carried: "carried",
  tools: "tools",
  snapshot: "snapshot",
} as const;

export interface LiveContext {
  version: string;
  layersDir: string;
  appDir: string;
  platformApi: string;
  buildUid: number;
  buildGid: number;
  watch: boolean;
  watchDebounceMs: number;
  watchIgnore: string[];
  /** Seconds the supervisor waits after SIGTERM before SIGKILL. */
  stopTimeoutSeconds: number;
}

export interface RecordedProcess extends Process {
  buildpackId: string;
}

/** Paths inside the image, derived from the layers dir; one place so build and tools agree. */
export function livePaths(layersDir: string) {
  const own = join(layersDir, TILT_LIVE_ID);
  const meta = join(own, Layers.meta);
  return {
    own,
    src: join(own, Layers.src),
    meta,
    context: join(meta, "context.json"),
    processes: join(meta, "processes.json"),
    group: join(meta, "group.toml"),
    plan: join(meta, "plan.toml"),
    analyzed: join(meta, "analyzed.toml"),
    platformEnv: join(meta, "platform-env"),
    bindings: join(meta, "bindings"),
    buildEnv: join(meta, "build-env.json"),
    buildpackMeta: join(meta, "buildpacks"),
    buildpacks: join(own, Layers.buildpacks),
    lifecycle: join(own, Layers.lifecycle, "lifecycle"),
    carried: join(own, Layers.carried),
    toolsBin: join(own, Layers.tools, "bin"),
  };
}

export type LivePaths = ReturnType<typeof livePaths>;

/** The in-container runtime directory: control socket, build platform dir, logs. */
export function runtimePaths(tmpDir = "/tmp") {
  const root = join(tmpDir, "tilt-live");
  return { root, socket: join(root, "control.sock"), platform: join(root, "platform"), lock: join(root, "rebuild.lock") };
}

async function readJson<T>(path: string, what: string): Promise<T> {
  const text = await readRequiredFile(path, what);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TiltLiveError("invalid-metadata", "not valid JSON", { path, detail: (error as Error).message }, { cause: error });
  }
}

export async function readContext(path: string): Promise<LiveContext> {
  const ctx = await readJson<LiveContext>(path, "tilt-live's build context is missing (was the image built with tilt-live?)");
  if (typeof ctx.layersDir !== "string" || typeof ctx.appDir !== "string" || typeof ctx.platformApi !== "string") {
    throw new TiltLiveError("invalid-metadata", "layersDir, appDir and platformApi must be strings", { path });
  }
  return ctx;
}

export async function readRecordedProcesses(path: string): Promise<RecordedProcess[]> {
  const processes = await readJson<RecordedProcess[]>(path, "tilt-live's record of the app's processes is missing");
  if (!Array.isArray(processes) || processes.some((p) => typeof p.type !== "string" || !Array.isArray(p.command))) {
    throw new TiltLiveError("invalid-metadata", "expected an array of processes with type and command", { path });
  }
  return processes;
}

/** Writes through a temp file and a rename: a process killed mid-write (a `docker kill` during a rebuild) leaves the old file whole. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, path);
}
