/**
 * A rebuild runs in the run image, the image build in the build image. Where they differ in a way that changes
 * the compiler's output, a rebuild silently compiles something else and misses the carried build caches. The one
 * case seen: Go decides CGO_ENABLED by whether a C compiler is on the PATH. The build image has gcc, a
 * production run image has none, so Go built with cgo and every first rebuild in a container recompiles the
 * standard library without it (4.7 s instead of about 1 s for a small edit). tilt-live cannot give the run
 * image a compiler, so it says so at build time, with the two fixes.
 */
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { optionalTable, optionalTableArray, readOptionalToml } from "../cnb/toml.js";
import { lookup } from "../config.js";
import type { BuildInput } from "./inputs.js";

/** The builder's run images: `/cnb/run.toml` (platform API >= 0.12), else `/cnb/stack.toml`. */
export const BUILDER_RUN_IMAGE_FILES = ["/cnb/run.toml", "/cnb/stack.toml"];

export interface RunImageFacts {
  /** analyzed.toml's run image (the name pack was given, or the builder's). */
  runImage?: string;
  builderRunImages: string[];
}

export async function readRunImageFacts(layersRoot: string, builderFiles = BUILDER_RUN_IMAGE_FILES): Promise<RunImageFacts> {
  const analyzedPath = join(layersRoot, "analyzed.toml");
  const analyzed = await readOptionalToml(analyzedPath).catch(() => undefined);
  const run = analyzed ? optionalTable(analyzed, "run-image", analyzedPath) : undefined;
  const runImage = [run?.image, run?.reference].find((v): v is string => typeof v === "string" && v !== "");
  const builderRunImages: string[] = [];
  for (const path of builderFiles) {
    const table = await readOptionalToml(path).catch(() => undefined);
    if (!table) continue;
    for (const entry of optionalTableArray(table, "images", path)) if (typeof entry.image === "string") builderRunImages.push(entry.image);
    const stackRun = optionalTable(table, "run-image", path);
    if (typeof stackRun?.image === "string") builderRunImages.push(stackRun.image);
    break;
  }
  return { ...(runImage ? { runImage } : {}), builderRunImages };
}

async function onPath(pathVar: string | undefined, names: string[]): Promise<boolean> {
  for (const dir of (pathVar ?? "").split(delimiter).filter(Boolean)) {
    for (const name of names) {
      if (await access(join(dir, name)).then(() => true, () => false)) return true;
    }
  }
  return false;
}

/** The warning to print, or undefined when the rebuild will compile as the build did (as far as tilt-live can tell). */
export async function cgoMismatchWarning(input: BuildInput, group: GroupEntry[], facts: RunImageFacts): Promise<string | undefined> {
  if (!group.some((bp) => /(^|\/)go-build$/.test(bp.id))) return undefined;
  const cgo = lookup(input.platformEnv, input.env, "CGO_ENABLED");
  if (cgo !== undefined && cgo.trim() !== "") return undefined; // set by the user: recorded, so the rebuild uses it too
  if (!(await onPath(input.env.PATH, ["gcc", "cc"]))) return undefined;
  const runImage = facts.runImage;
  if (!runImage || !facts.builderRunImages.includes(runImage)) return undefined;
  return (
    `Go built with cgo (the build image has a C compiler), but the run image is the builder's ${runImage}, not the ` +
    `build image: if it has no C compiler, a rebuild in the container compiles with CGO_ENABLED=0 and its first ` +
    `edit misses Go's build cache (seconds instead of about one). Fix: pack build --run-image <the build image>, ` +
    `or --env CGO_ENABLED=0 (tilt-dev's pack extension: env_vars=['CGO_ENABLED=0'])`
  );
}
