/** Test helper: Go build cache dirs shaped as Go writes them (contract/go-build-cache.ts). */
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tempDir } from "./temp-dir.js";

/** The mtime the lifecycle gives every file of a layer it exports or restores (archive.NormalizedModTime). */
export const NORMALIZED_MTIME_MS = Date.parse("1980-01-01T00:00:01Z");

/** An empty Go build cache: Go's README and trim.txt, as `go build` leaves them. */
export async function goBuildCacheDir(parent?: string): Promise<string> {
  const cache = parent ?? (await tempDir("tilt-live-gocache-"));
  await mkdir(cache, { recursive: true });
  await writeFile(
    join(cache, "README"),
    'This directory holds cached build artifacts from the Go build system.\nRun "go clean -cache" if the directory is getting too large.\n',
  );
  await writeFile(join(cache, "trim.txt"), "1764982800\n");
  return cache;
}

/** A file at `rel` in the cache with the given mtime (ms). */
export async function cacheEntry(cache: string, rel: string, mtimeMs: number, content = "x"): Promise<void> {
  const path = join(cache, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  await utimes(path, mtimeMs / 1000, mtimeMs / 1000);
}
