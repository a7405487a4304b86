/**
 * Copies the group's buildpack directories and the lifecycle's builder binary into the image, so that a
 * rebuild runs exactly the bits the image build ran. Large identical files (tilt-live's own executable sits
 * in both of its buildpacks) are stored once, as hard links.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, link, lstat, mkdir, readdir, readlink, symlink, chmod, utimes } from "node:fs/promises";
import { join } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { escapeBuildpackId } from "../cnb/names.js";
import { TiltLiveError } from "../errors.js";
import { exists } from "../fsutil/copy.js";

const DEDUPE_MIN_BYTES = 1024 * 1024;

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

class DedupingCopier {
  private readonly seen = new Map<string, string>();
  deduped = 0;

  async copyTree(source: string, dest: string): Promise<void> {
    const st = await lstat(source);
    if (st.isSymbolicLink()) return symlink(await readlink(source), dest);
    if (st.isDirectory()) {
      await mkdir(dest, { recursive: true, mode: st.mode & 0o7777 });
      for (const name of await readdir(source)) await this.copyTree(join(source, name), join(dest, name));
      return;
    }
    if (!st.isFile()) return;
    if (st.size >= DEDUPE_MIN_BYTES) {
      const key = `${st.size}:${await sha256(source)}`;
      const first = this.seen.get(key);
      if (first) {
        await link(first, dest);
        this.deduped += st.size;
        return;
      }
      this.seen.set(key, dest);
    }
    await copyFile(source, dest);
    await chmod(dest, st.mode & 0o7777);
    await utimes(dest, st.atimeMs / 1000, st.mtimeMs / 1000);
  }
}

/** `<buildpacks root>/<escaped id>/<version>` for each group entry, copied under `dest` in the same shape. */
export async function copyGroupBuildpacks(buildpacksRoot: string, group: GroupEntry[], dest: string): Promise<number> {
  const copier = new DedupingCopier();
  for (const bp of group) {
    const rel = join(escapeBuildpackId(bp.id), bp.version);
    const source = join(buildpacksRoot, rel);
    if (!(await exists(source))) {
      throw new TiltLiveError("missing-file", `The builder has no directory for buildpack ${bp.id}@${bp.version}`, {
        path: source,
      });
    }
    await copier.copyTree(source, join(dest, rel));
  }
  return copier.deduped;
}
