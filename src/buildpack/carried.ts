/**
 * Carries the earlier buildpacks' non-launch layers (toolchains, compile and package caches) into the image,
 * so that the first rebuild in a fresh container downloads nothing and compiles incrementally.
 *
 * Why copies rather than asking providers for launch=true through the build plan: a plan requirement can
 * only reach a provider's own entries (go, node, cpython), needs per-language names in tilt-live's detect,
 * and cannot reach cache-only layers such as go-build's gocache or npm-install's npm-cache at all. Copying
 * every non-launch layer works for any buildpack, and leaves the production image untouched.
 */
import { copyFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { readLayerToml } from "../cnb/layer.js";
import { escapeBuildpackId } from "../cnb/names.js";
import { exists, linkTree, treeSize } from "../fsutil/copy.js";
import { isGoBuildCache } from "../contract/go-build-cache.js";
import { trimGoCache, type GoCacheTrim } from "./go-cache-trim.js";

export interface CarriedLayer {
  buildpackId: string;
  name: string;
  bytes: number;
  types: { build: boolean; cache: boolean };
  /** What was left out of a Go build cache (go-cache-trim.ts); absent for other layers. */
  goCacheTrim?: GoCacheTrim;
}

/** Layer names of one buildpack dir: directories that have a `<name>.toml` beside them. */
export async function layerNames(bpLayersDir: string): Promise<string[]> {
  if (!(await exists(bpLayersDir))) return [];
  const entries = await readdir(bpLayersDir, { withFileTypes: true });
  const tomls = new Set(entries.filter((e) => e.isFile() && e.name.endsWith(".toml")).map((e) => e.name.slice(0, -5)));
  return entries
    .filter((e) => e.isDirectory() && tomls.has(e.name))
    .map((e) => e.name)
    .sort();
}

/** `buildStartMs`: no later than the start of this image's build phase (what a Go build cache is trimmed by). */
export async function carryLayers(layersRoot: string, earlier: GroupEntry[], dest: string, buildStartMs: number): Promise<CarriedLayer[]> {
  const carried: CarriedLayer[] = [];
  for (const bp of earlier) {
    const bpDir = join(layersRoot, escapeBuildpackId(bp.id));
    for (const name of await layerNames(bpDir)) {
      const tomlPath = join(bpDir, `${name}.toml`);
      const layer = await readLayerToml(tomlPath);
      if (!layer || layer.types.launch || !(layer.types.build || layer.types.cache)) continue;
      const target = join(dest, escapeBuildpackId(bp.id));
      // Hard links: the layers root is one filesystem, and the lifecycle only reads these after the build.
      await linkTree(join(bpDir, name), join(target, name));
      await copyFile(tomlPath, join(target, `${name}.toml`));
      const goCacheTrim = (await isGoBuildCache(join(target, name))) ? await trimGoCache(join(target, name), buildStartMs) : undefined;
      carried.push({
        buildpackId: bp.id,
        name,
        bytes: await treeSize(join(target, name)),
        types: { build: layer.types.build, cache: layer.types.cache },
        ...(goCacheTrim ? { goCacheTrim } : {}),
      });
    }
  }
  return carried;
}
