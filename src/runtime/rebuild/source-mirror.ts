/**
 * The rebuild's mirror of the synced source into the app dir, with the index that tells the user's deletions
 * from what the app or a buildpack wrote (src/fsutil/mirror.ts states the rule). The index lives in memory for
 * a supervisor's rebuilds and in the runtime dir for the next process: a standalone `rebuild` or a restarted
 * supervisor goes on from the last mirror, and a container's first rebuild from the index the build recorded.
 */
import { mkdir } from "node:fs/promises";
import { runtimePaths, type LivePaths } from "../../contract/context.js";
import { TiltLiveError } from "../../core/errors.js";
import { mirrorTree, type MirrorIndex, type MirrorOptions, type MirrorStats } from "../../fsutil/mirror.js";
import { indexTree, readMirrorIndex, writeMirrorIndex } from "../../fsutil/mirror-index.js";

/** A mirror index, and whether the runtime dir holds it as it is. */
interface KnownIndex {
  index: MirrorIndex;
  saved: boolean;
}

export interface SourceMirror {
  /** Mirrors `paths.src` into `appDir`. Throws what the mirror threw, after taking over what it may have written. */
  mirror(appDir: string, options: MirrorOptions): Promise<MirrorStats>;
}

export function createSourceMirror(paths: LivePaths, tmpDir: string | undefined): SourceMirror {
  let known: KnownIndex | undefined;
  const save = async (index: MirrorIndex): Promise<void> => {
    const { root, mirrorIndex } = runtimePaths(tmpDir);
    await mkdir(root, { recursive: true, mode: 0o700 });
    await writeMirrorIndex(mirrorIndex, index);
  };
  return {
    async mirror(appDir, options) {
      const previous = known ?? (await loadIndex(paths, tmpDir));
      const mirrored = await mirrorTree(paths.src, appDir, previous.index, options).catch(async (error: unknown) => {
        // Whatever the source holds now may have been written, whole or in part: the next mirror must own it (a
        // half-written file is compared again, one the user then deletes is deleted), and what the previous
        // source had and lost is still the user's to delete.
        known = { index: new Map([...(await indexTree(paths.src)), ...previous.index]), saved: false };
        // For the next standalone `rebuild` too; best effort, as the disk that stopped the mirror may be /tmp's.
        known.saved = await save(known.index).then(
          () => true,
          () => false,
        );
        throw error;
      });
      const changed = mirrored.stats.changes.length > 0 || mirrored.index.size !== previous.index.size;
      known = { index: mirrored.index, saved: previous.saved && !changed };
      if (!known.saved) {
        await save(mirrored.index);
        known.saved = true;
      }
      return mirrored.stats;
    },
  };
}

/** The index the last mirror in this container left, else the one the build recorded of the source it built. */
async function loadIndex(paths: LivePaths, tmpDir: string | undefined): Promise<KnownIndex> {
  const latest = await readMirrorIndex(runtimePaths(tmpDir).mirrorIndex);
  if (latest) return { index: latest, saved: true };
  const built = await readMirrorIndex(paths.sourceIndex);
  if (!built) {
    throw new TiltLiveError("missing-file", "The image holds no index of the source it was built from", {
      path: paths.sourceIndex,
      detail: "Without it a rebuild cannot tell the user's deletions from files the app wrote; rebuild the image with this tilt-live.",
    });
  }
  return { index: built, saved: false };
}
