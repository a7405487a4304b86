/**
 * The environment modifications a CNB launcher makes for a process, read from the layers dir (lifecycle
 * launch/launcher.go `env`, env/env.go, env/launch.go). Per buildpack, in group order: first every layer's
 * `bin/` (PATH) and `lib/` (LD_LIBRARY_PATH), prepended with ":"; then, layer by layer, the files of `env/`,
 * `env.launch/` and `env.launch/<process type>/` in name order. A file's suffix is its action; `.prepend` and
 * `.append` use the `<NAME>.delim` file as delimiter and none without it; an unsuffixed file overrides
 * (buildpack API >= 0.5) or prepends with ":" (older APIs). Unknown suffixes are ignored.
 *
 * Unlike the launcher, layers that are not launch layers are skipped: a rebuild leaves build-only layers and
 * `<layer>.ignore` dirs behind, which a fresh image would not contain. A layer's flags come from its
 * `<layer>.toml` beside it, else from the copy tilt-live recorded in `meta/buildpacks/<id>/layers/`; a layer
 * with neither is treated as a launch layer (the exported image holds no layer .toml files, and only launch
 * layers).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readLayerToml } from "../../cnb/layer.js";
import { escapeBuildpackId } from "../../cnb/names.js";
import { readdirIfExists } from "../../fsutil/copy.js";
import { unlessMissing } from "../../core/errno.js";
import type { EnvMod } from "./env-mods.js";

export interface LaunchBuildpack {
  id: string;
  /** Buildpack API, e.g. "0.10"; decides what an unsuffixed env file does. */
  api: string;
}

export interface LaunchEnvOptions {
  layersRoot: string;
  buildpacks: readonly LaunchBuildpack[];
  processType?: string;
  /** tilt-live's recorded layer metadata: `<dir>/<escaped id>/layers/<layer>.toml`. */
  metaBuildpacksDir?: string;
}

const ROOT_DIRS: ReadonlyArray<[string, string]> = [
  ["bin", "PATH"],
  ["lib", "LD_LIBRARY_PATH"],
];
const PATH_DELIM = ":";

async function isDir(path: string): Promise<boolean> {
  return (await unlessMissing(stat(path)))?.isDirectory() ?? false;
}

function apiBefore05(api: string): boolean {
  const [major, minor] = api.split(".").map((n) => Number.parseInt(n, 10));
  return major === 0 && minor !== undefined && minor < 5;
}

async function isLaunchLayer(bpDir: string, layer: string, metaDir: string | undefined): Promise<boolean> {
  const here = await readLayerToml(join(bpDir, `${layer}.toml`));
  if (here) return here.types.launch;
  if (metaDir) {
    const recorded = await readLayerToml(join(metaDir, "layers", `${layer}.toml`));
    if (recorded) return recorded.types.launch;
  }
  return true;
}

/** The launch layer dirs of one buildpack, in name order. */
async function launchLayers(bpDir: string, metaDir: string | undefined): Promise<string[]> {
  const entries = (await readdirIfExists(bpDir)).sort();
  const layers: string[] = [];
  for (const name of entries) {
    if (name.endsWith(".ignore") || !(await isDir(join(bpDir, name)))) continue;
    if (await isLaunchLayer(bpDir, name, metaDir)) layers.push(join(bpDir, name));
  }
  return layers;
}

/** The modifications of one env dir, in file name order (as Go's ReadDir returns them). */
export async function envDirMods(dir: string, unsuffixed: "override" | "prepend-path"): Promise<EnvMod[]> {
  const names = (await readdirIfExists(dir)).sort();
  const readDelim = async (name: string, fallback: string) => {
    try {
      return await readFile(join(dir, `${name}.delim`), "utf8");
    } catch {
      return fallback;
    }
  };
  const mods: EnvMod[] = [];
  for (const file of names) {
    if (await isDir(join(dir, file))) continue;
    const dot = file.indexOf(".");
    const name = dot === -1 ? file : file.slice(0, dot);
    const suffix = dot === -1 ? undefined : file.slice(dot + 1);
    const value = await readFile(join(dir, file), "utf8");
    if (suffix === "prepend" || suffix === "append") {
      mods.push({ name, action: suffix, value, delim: await readDelim(name, "") });
    } else if (suffix === "override" || suffix === "default") {
      mods.push({ name, action: suffix, value, delim: "" });
    } else if (suffix === undefined) {
      mods.push(
        unsuffixed === "override"
          ? { name, action: "override", value, delim: "" }
          : { name, action: "prepend", value, delim: await readDelim(name, PATH_DELIM) },
      );
    }
  }
  return mods;
}

export async function computeLaunchEnv(options: LaunchEnvOptions): Promise<EnvMod[]> {
  const mods: EnvMod[] = [];
  for (const bp of options.buildpacks) {
    const escaped = escapeBuildpackId(bp.id);
    const bpDir = join(options.layersRoot, escaped);
    const metaDir = options.metaBuildpacksDir ? join(options.metaBuildpacksDir, escaped) : undefined;
    const layers = await launchLayers(bpDir, metaDir);
    for (const layer of layers) {
      for (const [dir, name] of ROOT_DIRS) {
        const path = join(layer, dir);
        if (await isDir(path)) mods.push({ name, action: "prepend", value: path, delim: PATH_DELIM });
      }
    }
    const unsuffixed = apiBefore05(bp.api) ? "prepend-path" : "override";
    for (const layer of layers) {
      mods.push(...(await envDirMods(join(layer, "env"), unsuffixed)));
      mods.push(...(await envDirMods(join(layer, "env.launch"), unsuffixed)));
      if (options.processType) {
        mods.push(...(await envDirMods(join(layer, "env.launch", options.processType), unsuffixed)));
      }
    }
  }
  return mods;
}
