import { readdir, symlink, utimes } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GO_CACHE_MTIME_INTERVAL_MS } from "../contract/go-build-cache.js";
import { exists } from "../fsutil/copy.js";
import { cacheEntry, goBuildCacheDir, NORMALIZED_MTIME_MS } from "../testing/go-build-cache.js";
import { tempDir } from "../testing/temp-dir.js";
import { trimGoCache } from "./go-cache-trim.js";

const BUILD_START = Date.parse("2026-12-06T01:00:00Z");
const HOUR = GO_CACHE_MTIME_INTERVAL_MS;

describe("trimGoCache", () => {
  it("keeps what this build used or wrote and drops what it did not", async () => {
    const cache = await goBuildCacheDir();
    await cacheEntry(cache, "0a/0a11-a", BUILD_START + 5 * 60_000); // marked used during the build
    await cacheEntry(cache, "0a/0a22-d", BUILD_START + 5 * 60_000, "compiled package");
    await cacheEntry(cache, "0b/0b33-a", BUILD_START - 30 * 60_000); // used within the hour before: mtime left alone
    await cacheEntry(cache, "0c/0c44-a", NORMALIZED_MTIME_MS); // restored from pack's cache, never touched
    await cacheEntry(cache, "0c/0c55-d", NORMALIZED_MTIME_MS, "stale package archive");
    await cacheEntry(cache, "ff/ff66-d", BUILD_START - 2 * HOUR, "an old test result");
    const trim = await trimGoCache(cache, BUILD_START);
    expect(trim).toEqual({ keptEntries: 3, droppedEntries: 3, droppedBytes: 1 + 21 + 18 });
    expect(await readdir(join(cache, "0a"))).toEqual(["0a11-a", "0a22-d"]);
    expect(await readdir(join(cache, "0b"))).toEqual(["0b33-a"]);
    expect(await readdir(join(cache, "0c"))).toEqual([]);
    expect(await readdir(join(cache, "ff"))).toEqual([]);
    expect((await readdir(cache)).sort()).toEqual(["0a", "0b", "0c", "README", "ff", "trim.txt"]);
  });

  it("keeps an entry exactly one mtimeInterval before the build's start and drops one a millisecond older", async () => {
    const cache = await goBuildCacheDir();
    await cacheEntry(cache, "10/1011-a", BUILD_START - HOUR);
    await cacheEntry(cache, "10/1022-a", BUILD_START - HOUR - 1);
    expect(await trimGoCache(cache, BUILD_START)).toMatchObject({ keptEntries: 1, droppedEntries: 1 });
    expect(await readdir(join(cache, "10"))).toEqual(["1011-a"]);
  });

  it("drops an old cached executable (a -d directory) whole", async () => {
    const cache = await goBuildCacheDir();
    await cacheEntry(cache, "20/2011-d/app", NORMALIZED_MTIME_MS, "linked binary");
    await utimes(join(cache, "20", "2011-d"), NORMALIZED_MTIME_MS / 1000, NORMALIZED_MTIME_MS / 1000);
    expect(await trimGoCache(cache, BUILD_START)).toEqual({ keptEntries: 0, droppedEntries: 1, droppedBytes: 13 });
    expect(await exists(join(cache, "20", "2011-d"))).toBe(false);
  });

  it("drops the fuzz corpora, which only go test -fuzz reads", async () => {
    const cache = await goBuildCacheDir();
    await cacheEntry(cache, "fuzz/example.com/app/FuzzParse/seed", BUILD_START, "corpus");
    expect(await trimGoCache(cache, BUILD_START)).toEqual({ keptEntries: 0, droppedEntries: 0, droppedBytes: 6 });
    expect(await exists(join(cache, "fuzz"))).toBe(false);
  });

  it("keeps, however old, names Go's own trim would not delete", async () => {
    const cache = await goBuildCacheDir();
    await cacheEntry(cache, "30/notes.txt", NORMALIZED_MTIME_MS);
    await cacheEntry(cache, "30/3011-b", NORMALIZED_MTIME_MS);
    await cacheEntry(cache, "3g/3g11-a", NORMALIZED_MTIME_MS); // not a two-hex-digit subdir
    await cacheEntry(cache, "testexpand", NORMALIZED_MTIME_MS);
    await symlink("/nowhere", join(cache, "31"));
    expect(await trimGoCache(cache, BUILD_START)).toEqual({ keptEntries: 0, droppedEntries: 0, droppedBytes: 0 });
    expect(await readdir(join(cache, "30"))).toEqual(["3011-b", "notes.txt"]);
    expect(await readdir(join(cache, "3g"))).toEqual(["3g11-a"]);
    expect(await exists(join(cache, "testexpand"))).toBe(true);
  });

  it("trims nothing in a dir that is missing or empty", async () => {
    const empty = await tempDir("tilt-live-gocache-");
    expect(await trimGoCache(empty, BUILD_START)).toEqual({ keptEntries: 0, droppedEntries: 0, droppedBytes: 0 });
    expect(await trimGoCache(join(empty, "missing"), BUILD_START)).toEqual({ keptEntries: 0, droppedEntries: 0, droppedBytes: 0 });
  });
});
