/**
 * Copies the group's buildpack directories and the lifecycle's builder binary into the image, so that a
 * rebuild runs exactly the bits the image build ran. Large identical files (tilt-live's own executable sits
 * in both of its buildpacks) are stored once: the later copies are symbolic links to the first. Hard links
 * would save only build-time disk: the exporter writes every path of a layer as a file of its own (lifecycle
 * archive/archive.go has no hard-link entries), so each hard link weighed its full size in the image.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { escapeBuildpackId } from "../cnb/names.js";
import { SOURCE_BUILDPACK_ID, TILT_LIVE_ID } from "../contract/context.js";
import { TiltLiveError } from "../core/errors.js";
import { copyTreeWith, copyWithMode, exists, type PlaceFile } from "../fsutil/copy.js";

const DEDUPE_MIN_BYTES = 1024 * 1024;

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Places files by copying, except that a large file identical to one placed before becomes a relative symbolic
 * link to it (relative: the layer is exported at the same path, and a link stays right wherever it is read).
 */
class DedupingPlacer {
  private readonly seen = new Map<string, string>();
  deduped = 0;

  readonly place: PlaceFile = async (source, dest, st) => {
    if (st.size >= DEDUPE_MIN_BYTES) {
      const key = `${st.size}:${await sha256(source)}`;
      const first = this.seen.get(key);
      if (first) {
        await symlink(relative(dirname(dest), first), dest);
        this.deduped += st.size;
        return;
      }
      this.seen.set(key, dest);
    }
    await copyWithMode(source, dest, st);
  };
}

/**
 * What a rebuild needs of tilt-live's own buildpacks. Given as a checkout (`pack build --buildpack ./tilt-live`),
 * their directories also hold node_modules, dist/ and .git, which must not go into the image.
 */
const OWN_BUILDPACK_ENTRIES = ["buildpack.toml", "bin"];

function entriesToCopy(id: string): string[] | undefined {
  return id === TILT_LIVE_ID || id === SOURCE_BUILDPACK_ID ? OWN_BUILDPACK_ENTRIES : undefined;
}

/**
 * `<buildpacks root>/<escaped id>/<version>` for each group entry, copied under `dest` in the same shape (for
 * tilt-live's own buildpacks only buildpack.toml and bin/).
 */
export async function copyGroupBuildpacks(buildpacksRoot: string, group: GroupEntry[], dest: string): Promise<number> {
  const placer = new DedupingPlacer();
  for (const bp of group) {
    const rel = join(escapeBuildpackId(bp.id), bp.version);
    const source = join(buildpacksRoot, rel);
    if (!(await exists(source))) {
      throw new TiltLiveError("missing-file", `The builder has no directory for buildpack ${bp.id}@${bp.version}`, {
        path: source,
      });
    }
    const entries = entriesToCopy(bp.id);
    if (!entries) {
      await copyTreeWith(source, join(dest, rel), placer.place);
      continue;
    }
    await mkdir(join(dest, rel), { recursive: true });
    for (const entry of entries) {
      if (await exists(join(source, entry))) await copyTreeWith(join(source, entry), join(dest, rel, entry), placer.place);
    }
  }
  return placer.deduped;
}
