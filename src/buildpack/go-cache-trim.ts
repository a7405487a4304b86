/**
 * Trims a carried copy of a Go build cache (GOCACHE, e.g. go-build's `gocache`) to the entries this image build
 * used. A cache layer is restored from pack's cache on every build and keeps every entry any earlier build
 * wrote (other versions of the app, of its modules, test results): the 1.6 GiB of issue 24. A rebuild in the
 * container compiles the same targets with the same toolchain, so it reads what this build read, plus what it
 * writes itself.
 *
 * "Used by this build" is known from the entries' mtimes (contract/go-build-cache.ts): every entry this build
 * used or wrote has an mtime at or after (build start - 1 hour), and an older entry was not touched by it. The
 * lifecycle restores cache layers with their mtimes normalized to 1980 (lifecycle layers/writer.go,
 * archive.NormalizedModTime), so in practice the unused entries are decades old. Only names Go's own trim
 * would delete are dropped; anything else is kept.
 */
import { lstat, rm } from "node:fs/promises";
import { join } from "node:path";
import { unlessMissing } from "../core/errno.js";
import { GO_CACHE_MTIME_INTERVAL_MS, goCacheEntries } from "../contract/go-build-cache.js";
import { treeSize } from "../fsutil/copy.js";

/** go test -fuzz keeps its corpora under GOCACHE/fuzz: a build never reads them. */
const FUZZ_DIR = "fuzz";

export interface GoCacheTrim {
  /** Cache entries (action and output files) dropped: older than the cutoff. */
  droppedEntries: number;
  droppedBytes: number;
  keptEntries: number;
}

/**
 * Deletes, under `dir`, the cache entries whose mtime is before `buildStartMs - GO_CACHE_MTIME_INTERVAL_MS`
 * (not used by a build that started at `buildStartMs`) and the fuzz corpora. Deletes links only when `dir` is
 * a tree of hard links (carried.ts): the cache layer itself, which pack keeps for the next build, is untouched.
 */
export async function trimGoCache(dir: string, buildStartMs: number): Promise<GoCacheTrim> {
  const cutoffMs = buildStartMs - GO_CACHE_MTIME_INTERVAL_MS;
  const result: GoCacheTrim = { droppedEntries: 0, droppedBytes: 0, keptEntries: 0 };
  const fuzz = join(dir, FUZZ_DIR);
  const fuzzStat = await unlessMissing(lstat(fuzz));
  if (fuzzStat?.isDirectory()) {
    result.droppedBytes += await treeSize(fuzz);
    await rm(fuzz, { recursive: true, force: true });
  }
  for await (const entry of goCacheEntries(dir)) {
    if (entry.mtimeMs >= cutoffMs) {
      result.keptEntries++;
      continue;
    }
    result.droppedBytes += await treeSize(entry.path);
    result.droppedEntries++;
    await rm(entry.path, { recursive: true, force: true });
  }
  return result;
}
