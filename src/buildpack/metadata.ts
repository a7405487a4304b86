/**
 * The `meta` layer: the lifecycle's group.toml, plan.toml and analyzed.toml, and each earlier buildpack's
 * launch.toml, build.toml, store.toml and layer .toml files as they stood when the image was built (the
 * exporter turns layer .toml files into an image label; a rebuild needs them back as files).
 */
import { copyFile, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { escapeBuildpackId } from "../cnb/names.js";
import { parseToml } from "../cnb/toml.js";
import { readFile } from "node:fs/promises";
import { exists } from "../fsutil/copy.js";
import { TiltLiveError } from "../core/errors.js";
import { isMissing } from "../core/errno.js";

const BUILDPACK_FILES = ["launch.toml", "build.toml", "store.toml"];

/** Copies a lifecycle TOML file after checking that it parses, so a broken file fails the build, not a rebuild. */
async function copyCheckedToml(source: string, dest: string, what: string, optional: boolean): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch (error) {
    if (isMissing(error)) {
      if (optional) return false;
      throw new TiltLiveError("missing-file", what, { path: source }, { cause: error });
    }
    throw error;
  }
  parseToml(text, source);
  await copyFile(source, dest);
  return true;
}

export async function exportLifecycleFiles(layersRoot: string, metaDir: string): Promise<string[]> {
  const copied: string[] = [];
  for (const [name, optional] of [
    ["group.toml", false],
    ["plan.toml", false],
    ["analyzed.toml", true],
  ] as const) {
    const what = `The lifecycle's ${name} is missing from the layers root (tilt-live needs a platform that keeps the lifecycle's default paths, as pack does)`;
    if (await copyCheckedToml(join(layersRoot, name), join(metaDir, name), what, optional)) copied.push(name);
  }
  return copied;
}

export async function exportBuildpackFiles(layersRoot: string, earlier: GroupEntry[], metaDir: string): Promise<number> {
  let count = 0;
  for (const bp of earlier) {
    const bpDir = join(layersRoot, escapeBuildpackId(bp.id));
    if (!(await exists(bpDir))) continue;
    const dest = join(metaDir, "buildpacks", escapeBuildpackId(bp.id));
    await mkdir(join(dest, "layers"), { recursive: true });
    for (const entry of await readdir(bpDir, { withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".toml")) continue;
      const target = BUILDPACK_FILES.includes(entry.name) ? join(dest, entry.name) : join(dest, "layers", entry.name);
      await copyCheckedToml(join(bpDir, entry.name), target, entry.name, false);
      count++;
    }
  }
  return count;
}
