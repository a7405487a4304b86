/**
 * What tilt-live relies on in a Go build cache (GOCACHE, e.g. go-build's `gocache` layer), from the Go
 * toolchain's own cache (cmd/go/internal/cache/cache.go, Go 1.26.8 here, the toolchain the go-dist stand-in
 * exposes):
 * - every entry is a file (or, for a cached executable, a directory) named `<hex id>-a` (action) or `-d`
 *   (output) in one of 256 two-hex-digit subdirectories; anything else in the dir is Go's bookkeeping;
 * - `markUsed` sets an entry's mtime to now on each use, unless its mtime is already less than
 *   `mtimeInterval` (1 hour) old; a new entry is written with mtime now.
 * The build trims a carried cache by that mtime (buildpack/go-cache-trim.ts); the supervisor re-stamps the
 * carried entries ahead of the first rebuild (runtime/supervise/go-cache-warm.ts).
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { unlessMissing } from "../core/errno.js";

/** cmd/go/internal/cache: mtimeInterval, the most an entry's mtime lags behind its last use. */
export const GO_CACHE_MTIME_INTERVAL_MS = 60 * 60 * 1000;

/** The first line of the README Go writes into every cache dir (cmd/go/internal/cache/default.go). */
const GO_CACHE_README = "This directory holds cached build artifacts from the Go build system.";

const SUBDIR = /^[0-9a-f]{2}$/;
const ENTRY = /-[ad]$/;

export interface GoCacheEntry {
  path: string;
  mtimeMs: number;
  /** Bytes of the entry itself (0 for a directory: its files are entries of their own to the kernel). */
  size: number;
  isDirectory: boolean;
}

/** Whether `dir` is a Go build cache: Go writes a README with a fixed first line into each one. */
export async function isGoBuildCache(dir: string): Promise<boolean> {
  const readme = await unlessMissing(readFile(join(dir, "README"), "utf8"));
  return readme?.split("\n")[0] === GO_CACHE_README;
}

/** The action and output entries of the cache at `dir` (Go's `trimSubdir` names), one subdirectory at a time. */
export async function* goCacheEntries(dir: string): AsyncGenerator<GoCacheEntry> {
  for (const sub of (await unlessMissing(readdir(dir, { withFileTypes: true }))) ?? []) {
    if (!sub.isDirectory() || !SUBDIR.test(sub.name)) continue;
    for (const name of (await unlessMissing(readdir(join(dir, sub.name)))) ?? []) {
      if (!ENTRY.test(name)) continue;
      const path = join(dir, sub.name, name);
      const st = await unlessMissing(lstat(path));
      if (!st) continue; // deleted meanwhile (a concurrent go build's trim)
      yield { path, mtimeMs: st.mtimeMs, size: st.isDirectory() ? 0 : st.size, isDirectory: st.isDirectory() };
    }
  }
}
