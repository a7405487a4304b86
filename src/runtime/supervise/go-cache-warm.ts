/**
 * Re-stamps the entries of the carried Go build caches once, when the container starts, so that the first
 * rebuild in a new container is as fast as the later ones.
 *
 * Why: the lifecycle exports every file of a layer with its mtime set to 1980 (archive.NormalizedModTime),
 * and Go re-stamps each cache entry it uses whose mtime is over an hour old (contract/go-build-cache.ts). On
 * overlayfs a new mtime on a file of an image layer copies the whole file up into the container's own layer
 * (Docker's overlay2 mounts without metacopy), so the first rebuild used to copy the whole carried cache
 * (82 MiB for samples/go, 1.6 GiB for a large project) on the edit's path. The supervisor does the same copy
 * right after the app starts, one entry at a time so that the app's own start keeps the disk; the first edit
 * then finds the entries fresh and Go leaves them alone. The container's layer grows by what the first
 * rebuild would have added to it anyway. An entry a rebuild reaches first is simply re-stamped by Go.
 */
import { readdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, isMissing, unlessMissing } from "../../core/errno.js";
import { GO_CACHE_MTIME_INTERVAL_MS, goCacheEntries, isGoBuildCache } from "../../contract/go-build-cache.js";

export interface GoCacheWarmup {
  /** The cache, relative to the carried dir (`<buildpack>/<layer>`). */
  cache: string;
  /** Entries given a new mtime. */
  restamped: number;
  /** Their bytes: what the container's layer grew by. */
  bytes: number;
  /** Entries already fresh (used by a rebuild within the hour), left alone. */
  fresh: number;
  ms: number;
  /** Why it stopped before the end (e.g. EPERM when the container runs as another user, EROFS); the rest is left to Go. */
  stopped?: string;
}

/** Re-stamps every entry older than Go's mtimeInterval in each Go build cache under `carriedDir/<buildpack>/<layer>`. */
export async function warmGoBuildCaches(carriedDir: string, now: () => number = Date.now): Promise<GoCacheWarmup[]> {
  const warmed: GoCacheWarmup[] = [];
  for (const bp of (await unlessMissing(readdir(carriedDir, { withFileTypes: true }))) ?? []) {
    if (!bp.isDirectory()) continue;
    for (const layer of await readdir(join(carriedDir, bp.name), { withFileTypes: true })) {
      const dir = join(carriedDir, bp.name, layer.name);
      if (layer.isDirectory() && (await isGoBuildCache(dir))) warmed.push(await warmGoBuildCache(dir, `${bp.name}/${layer.name}`, now));
    }
  }
  return warmed;
}

async function warmGoBuildCache(dir: string, name: string, now: () => number): Promise<GoCacheWarmup> {
  const started = performance.now();
  const result: GoCacheWarmup = { cache: name, restamped: 0, bytes: 0, fresh: 0, ms: 0 };
  for await (const entry of goCacheEntries(dir)) {
    const stamp = now();
    if (stamp - entry.mtimeMs < GO_CACHE_MTIME_INTERVAL_MS) {
      result.fresh++;
      continue;
    }
    try {
      await utimes(entry.path, stamp / 1000, stamp / 1000);
    } catch (error) {
      if (isMissing(error)) continue; // trimmed meanwhile by a rebuild's go
      result.stopped = `${errnoCode(error) ?? "error"} on ${entry.path.slice(dir.length + 1)}`;
      break;
    }
    result.restamped++;
    result.bytes += entry.size;
  }
  result.ms = performance.now() - started;
  return result;
}
