import { mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheEntry, goBuildCacheDir, NORMALIZED_MTIME_MS } from "../testing/go-build-cache.js";
import { tempDir } from "../testing/temp-dir.js";
import { goCacheEntries, isGoBuildCache } from "./go-build-cache.js";

describe("isGoBuildCache", () => {
  it("knows a Go build cache by the README Go writes into it", async () => {
    expect(await isGoBuildCache(await goBuildCacheDir())).toBe(true);
  });

  it("takes a dir without that README, or with another one, for something else", async () => {
    const other = await tempDir("tilt-live-notgocache-");
    expect(await isGoBuildCache(other)).toBe(false);
    await writeFile(join(other, "README"), "npm cache\n");
    expect(await isGoBuildCache(other)).toBe(false);
    expect(await isGoBuildCache(join(other, "missing"))).toBe(false);
  });
});

describe("goCacheEntries", () => {
  it("lists the action and output entries with their mtimes and sizes, and nothing of Go's bookkeeping", async () => {
    const cache = await goBuildCacheDir();
    await cacheEntry(cache, "0a/0a11-a", NORMALIZED_MTIME_MS, "v1 0a11 0a22 16 1\n");
    await cacheEntry(cache, "0a/0a22-d", NORMALIZED_MTIME_MS + 1000, "compiled package");
    await mkdir(join(cache, "ff", "ff33-d"), { recursive: true }); // a cached executable
    await utimes(join(cache, "ff", "ff33-d"), 2, 2);
    await cacheEntry(cache, "0b/notes.txt", 0);
    await cacheEntry(cache, "3g/3g11-a", 0); // not a two-hex-digit subdir
    await symlink("/nowhere", join(cache, "31"));
    const entries = [];
    for await (const entry of goCacheEntries(cache)) entries.push({ ...entry, path: entry.path.slice(cache.length + 1) });
    expect(entries.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: "0a/0a11-a", mtimeMs: NORMALIZED_MTIME_MS, size: 18, isDirectory: false },
      { path: "0a/0a22-d", mtimeMs: NORMALIZED_MTIME_MS + 1000, size: 16, isDirectory: false },
      { path: "ff/ff33-d", mtimeMs: 2000, size: 0, isDirectory: true },
    ]);
  });

  it("lists nothing in a dir that is missing", async () => {
    const entries = [];
    for await (const entry of goCacheEntries(join(await tempDir("tilt-live-gocache-"), "missing"))) entries.push(entry);
    expect(entries).toEqual([]);
  });
});
