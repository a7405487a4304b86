/**
 * The files only a new image can take (project.toml and BP_TILT_LIVE_IMAGE_BUILD's globs), as the image was built
 * from them. A container's first mirror cannot tell an edit from a file the app dir merely lacks (go-build empties
 * it), so it reports every file as added; without this record, the first live update in a new container would see
 * the image's own project.toml as a change and ask for the image build that just happened. The build records each
 * matching file's sha256; the rebuild drops the changes that leave a recorded file as the image had it.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { writeJson } from "./context.js";
import { TiltLiveError } from "../core/errors.js";
import { unlessMissing } from "../core/errno.js";
import { readOptionalJson } from "../fsutil/read.js";
import type { MirrorChange } from "../fsutil/mirror.js";
import { compileGlobs } from "../core/glob.js";

/** Path (relative to the source root) to sha256, of the files matching `globs`. */
export type ImageInputs = Record<string, string>;

async function sha256(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

/** Hashes the files under `srcDir` that match `globs` and writes the record to `dest`. */
export async function recordImageInputs(srcDir: string, globs: readonly string[], dest: string): Promise<ImageInputs> {
  const matches = compileGlobs(globs);
  const record: ImageInputs = {};
  for (const entry of await readdir(srcDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(srcDir, join(entry.parentPath, entry.name));
    if (matches(path)) record[path] = await sha256(join(srcDir, path));
  }
  await writeJson(dest, record);
  return record;
}

/** The recorded inputs, or undefined for an image built before the record existed. */
export async function readImageInputs(path: string): Promise<ImageInputs | undefined> {
  const record = await readOptionalJson(path);
  if (record === undefined) return undefined;
  if (typeof record !== "object" || record === null || Object.values(record).some((v) => typeof v !== "string")) {
    throw new TiltLiveError("invalid-metadata", "expected an object of paths to sha256 strings", { path });
  }
  return record as ImageInputs;
}

/** `changes` without those that leave an image input as the image was built from it. */
export async function withoutImageInputsAsBuilt(
  changes: MirrorChange[],
  srcDir: string,
  globs: readonly string[],
  recorded: ImageInputs | undefined,
): Promise<MirrorChange[]> {
  if (recorded === undefined) return changes;
  const matches = compileGlobs(globs);
  const kept: MirrorChange[] = [];
  for (const change of changes) {
    if (matches(change.path)) {
      const before = recorded[change.path];
      if (change.kind === "deleted" ? before === undefined : before === (await unlessMissing(sha256(join(srcDir, change.path))))) continue;
    }
    kept.push(change);
  }
  return kept;
}
