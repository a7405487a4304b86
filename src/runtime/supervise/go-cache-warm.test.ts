import { lutimes, mkdir, stat, symlink, utimes } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GO_CACHE_MTIME_INTERVAL_MS } from "../../contract/go-build-cache.js";
import { cacheEntry, goBuildCacheDir, NORMALIZED_MTIME_MS } from "../../testing/go-build-cache.js";
import { tempDir } from "../../testing/temp-dir.js";
import { warmGoBuildCaches } from "./go-cache-warm.js";

const NOW = Date.parse("2026-12-06T04:30:00Z");

/** A carried dir as tilt-live's build leaves it: <buildpack>/<layer> (contract/context.ts `carried`). */
async function carriedDir(): Promise<{ carried: string; gocache: string }> {
  const carried = await tempDir("tilt-live-carried-");
  const gocache = await goBuildCacheDir(join(carried, "paketo-buildpacks_go-build", "gocache"));
  return { carried, gocache };
}

const mtimeOf = async (path: string) => (await stat(path)).mtimeMs;

describe("warmGoBuildCaches", () => {
  it("re-stamps the entries the export left at 1980 and leaves fresh ones and Go's bookkeeping alone", async () => {
    const { carried, gocache } = await carriedDir();
    await cacheEntry(gocache, "0a/0a11-a", NORMALIZED_MTIME_MS, "v1 0a11 0a22 16 1\n");
    await cacheEntry(gocache, "0a/0a22-d", NORMALIZED_MTIME_MS, "compiled package");
    await cacheEntry(gocache, "0b/0b33-d", NOW - GO_CACHE_MTIME_INTERVAL_MS + 60_000, "used by a rebuild");
    await cacheEntry(gocache, "ff/ff44-d/app", NORMALIZED_MTIME_MS, "linked binary"); // a cached executable
    await utimes(join(gocache, "ff", "ff44-d"), NORMALIZED_MTIME_MS / 1000, NORMALIZED_MTIME_MS / 1000);

    expect(await warmGoBuildCaches(carried, () => NOW)).toEqual([
      { cache: "paketo-buildpacks_go-build/gocache", restamped: 3, bytes: 18 + 16, fresh: 1, ms: expect.any(Number) },
    ]);
    expect(await mtimeOf(join(gocache, "0a", "0a11-a"))).toBe(NOW);
    expect(await mtimeOf(join(gocache, "0a", "0a22-d"))).toBe(NOW);
    expect(await mtimeOf(join(gocache, "ff", "ff44-d"))).toBe(NOW);
    expect(await mtimeOf(join(gocache, "0b", "0b33-d"))).toBe(NOW - GO_CACHE_MTIME_INTERVAL_MS + 60_000);
    expect(await mtimeOf(join(gocache, "README"))).not.toBe(NOW);
  });

  it("leaves carried layers that are not Go build caches alone", async () => {
    const carried = await tempDir("tilt-live-carried-");
    await cacheEntry(join(carried, "paketo-buildpacks_npm-install", "npm-cache"), "0a/0a11-a", NORMALIZED_MTIME_MS);
    expect(await warmGoBuildCaches(carried, () => NOW)).toEqual([]);
    expect(await mtimeOf(join(carried, "paketo-buildpacks_npm-install", "npm-cache", "0a", "0a11-a"))).toBe(NORMALIZED_MTIME_MS);
  });

  it("does nothing in an image that carries no layers", async () => {
    expect(await warmGoBuildCaches(join(await tempDir("tilt-live-carried-"), "carried"), () => NOW)).toEqual([]);
  });

  it("stops at an entry it cannot re-stamp, says which and why, and keeps what it did", async () => {
    const { carried, gocache } = await carriedDir();
    await cacheEntry(gocache, "0a/0a11-a", NORMALIZED_MTIME_MS, "12345");
    await mkdir(join(gocache, "0b"));
    await symlink("0b22-a", join(gocache, "0b", "0b22-a")); // a link to itself: ELOOP
    await lutimes(join(gocache, "0b", "0b22-a"), NORMALIZED_MTIME_MS / 1000, NORMALIZED_MTIME_MS / 1000);
    await cacheEntry(gocache, "0c/0c33-a", NORMALIZED_MTIME_MS);
    const [warmup] = await warmGoBuildCaches(carried, () => NOW);
    expect(warmup).toMatchObject({ restamped: 1, bytes: 5, stopped: "ELOOP on 0b/0b22-a" });
    expect(await mtimeOf(join(gocache, "0c", "0c33-a"))).toBe(NORMALIZED_MTIME_MS);
  });
});
