/**
 * What tilt-live's build records for its in-container tools (docs/layout.md): where things are, who built
 * the image, and the settings the tools follow. Written once by the build, read by rebuild and the supervisor.
 */
import { join } from "node:path";
import { TiltLiveError } from "../core/errors.js";
import { writeFileAtomic } from "../fsutil/write.js";
import { readRequiredFile } from "../fsutil/read.js";
import type { Process } from "../cnb/launch.js";

export const TILT_LIVE_ID = "tilt-live";
export const SOURCE_BUILDPACK_ID = "tilt-live/source";
/** tilt-live's own two buildpacks: they read no app file, declare no app process, and stay out of a rebuild's group. */
export const OWN_BUILDPACK_IDS: ReadonlySet<string> = new Set([TILT_LIVE_ID, SOURCE_BUILDPACK_ID]);

/** The layers root when the environment does not name one: the lifecycle's default (platform spec). */
export const DEFAULT_LAYERS_ROOT = "/layers";

/**
 * The layers root the in-container tools work on: CNB_LAYERS_DIR, which the image sets, else /layers (the
 * launcher leaves it out of the env of the processes it starts). The one place that decides it. (At build
 * time the lifecycle sets CNB_LAYERS_DIR to a buildpack's own layers dir instead: see BuildInput.)
 */
export function layersRoot(env: NodeJS.ProcessEnv): string {
  return env.CNB_LAYERS_DIR || DEFAULT_LAYERS_ROOT;
}

/** tilt-live's single executable and the names it answers to in the tools layer (argv[0] links to it). */
export const EXECUTABLE = "tilt-live";
export const TOOL_NAMES = ["rebuild", "tilt-live-supervise"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
/** The static init in front of the supervisor (native/tilt-live-init.c); absent where it was not built. */
export const INIT = "tilt-live-init";
/**
 * The small static `rebuild` client (native/tilt-live-rebuild.c) next to the executable; `rebuild` links to
 * it where it was built. It speaks the control protocol (src/runtime/supervise/control.ts) and hands the rest to EXECUTABLE.
 */
export const REBUILD_CLIENT = "tilt-live-rebuild";
/**
 * The static SBOM writer (native/tilt-live-sbom.c) next to the executable, absent where it was not built. The tools
 * layer's `rebuild-bin/syft` links to it; a rebuild puts that directory first on the buildpacks' PATH
 * (src/runtime/rebuild/rebuild-sbom.ts), so that it answers for syft there and only there.
 */
export const SBOM_WRITER = "tilt-live-sbom";

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
  /** The layers root of the build (the parent of every buildpack's layers dir). */
  layersRoot: string;
  appDir: string;
  platformApi: string;
  buildUid: number;
  buildGid: number;
  watch: boolean;
  watchDebounceMs: number;
  watchIgnore: string[];
  /** Seconds the supervisor waits after SIGTERM before SIGKILL. */
  stopTimeoutSeconds: number;
  /** Seconds a restarted app has to listen again where the previous one listened. */
  readyTimeoutSeconds: number;
  /** Go compiled with cgo at image build (go-cgo.ts); absent when not. */
  goCgo?: boolean;
}

export interface RecordedProcess extends Process {
  buildpackId: string;
}

/** Paths inside the image, derived from the layers root; one place so build and tools agree. */
export function livePaths(layersRoot: string) {
  const own = join(layersRoot, TILT_LIVE_ID);
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
    imageInputs: join(meta, "image-inputs.json"),
    /** The entries of the source the image was built from (src/fsutil/mirror-index.ts). */
    sourceIndex: join(meta, "source-index.json"),
    /** The weigh-in of tilt-live's layers as built (src/buildpack/weigh.ts): what the dev image adds, in bytes. */
    weight: join(meta, "weight.json"),
    buildpackMeta: join(meta, "buildpacks"),
    buildpacks: join(own, Layers.buildpacks),
    lifecycle: join(own, Layers.lifecycle, "lifecycle"),
    carried: join(own, Layers.carried),
    toolsBin: join(own, Layers.tools, "bin"),
    /** Commands that stand in for others during a rebuild only (never on the app's PATH): `syft`. */
    rebuildBin: join(own, Layers.tools, "rebuild-bin"),
  };
}

export type LivePaths = ReturnType<typeof livePaths>;

/** The in-container runtime directory: control socket, build platform dir, logs. */
export function runtimePaths(tmpDir = "/tmp") {
  const root = join(tmpDir, "tilt-live");
  return {
    root,
    socket: join(root, "control.sock"),
    platform: join(root, "platform"),
    lock: join(root, "rebuild.lock"),
    /** The source as of the last mirror into the app dir (src/fsutil/mirror-index.ts). */
    mirrorIndex: join(root, "mirror-index.json"),
  };
}

async function readJson<T>(path: string, what: string): Promise<T> {
  const text = await readRequiredFile(path, what);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TiltLiveError("invalid-metadata", "not valid JSON", { path, detail: (error as Error).message }, { cause: error });
  }
}

type FieldKind = "string" | "path" | "id" | "positive" | "boolean" | "optionalBoolean" | "strings";

const FIELD_KINDS: Record<FieldKind, { test: (v: unknown) => boolean; what: string }> = {
  string: { test: (v) => typeof v === "string", what: "a string" },
  path: { test: (v) => typeof v === "string" && v.startsWith("/"), what: "an absolute path" },
  id: { test: (v) => Number.isInteger(v) && (v as number) >= 0, what: "a whole number >= 0" },
  positive: { test: (v) => typeof v === "number" && Number.isFinite(v) && v > 0, what: "a number > 0" },
  boolean: { test: (v) => typeof v === "boolean", what: "true or false" },
  optionalBoolean: { test: (v) => v === undefined || typeof v === "boolean", what: "true, false or absent" },
  strings: { test: (v) => Array.isArray(v) && v.every((s) => typeof s === "string"), what: "an array of strings" },
};

/** Every field of context.json and what it must hold. */
const CONTEXT_FIELDS: Record<keyof LiveContext, FieldKind> = {
  version: "string",
  layersRoot: "path",
  appDir: "path",
  platformApi: "string",
  buildUid: "id",
  buildGid: "id",
  watch: "boolean",
  watchDebounceMs: "positive",
  watchIgnore: "strings",
  stopTimeoutSeconds: "positive",
  readyTimeoutSeconds: "positive",
  goCgo: "optionalBoolean",
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export async function readContext(path: string): Promise<LiveContext> {
  const ctx = await readJson<unknown>(path, "tilt-live's build context is missing (was the image built with tilt-live?)");
  if (!isObject(ctx)) throw new TiltLiveError("invalid-metadata", "expected a JSON object", { path });
  for (const [field, kind] of Object.entries(CONTEXT_FIELDS)) {
    const { test, what } = FIELD_KINDS[kind];
    if (!test(ctx[field])) {
      throw new TiltLiveError("invalid-metadata", `field "${field}" must be ${what}, got ${JSON.stringify(ctx[field]) ?? "nothing"}`, {
        path,
      });
    }
  }
  return ctx as unknown as LiveContext;
}

/** build-env.json: the process env the build's buildpacks ran with, name to value. */
export async function readBuildEnv(path: string): Promise<Record<string, string>> {
  const env = await readJson<unknown>(path, "tilt-live's record of the build-time environment is missing");
  if (!isObject(env) || Object.values(env).some((v) => typeof v !== "string")) {
    throw new TiltLiveError("invalid-metadata", "expected an object of variable names to string values", { path });
  }
  return env as Record<string, string>;
}

export async function readRecordedProcesses(path: string): Promise<RecordedProcess[]> {
  const processes = await readJson<RecordedProcess[]>(path, "tilt-live's record of the app's processes is missing");
  if (!Array.isArray(processes) || processes.some((p) => typeof p.type !== "string" || !Array.isArray(p.command))) {
    throw new TiltLiveError("invalid-metadata", "expected an array of processes with type and command", { path });
  }
  return processes;
}

/** `value` as indented JSON, written atomically (fsutil/write.ts). */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
