/**
 * Trims a carried copy of a Go build cache (GOCACHE, e.g. go-build's `gocache`) to the entries this image build
 * used. A cache layer is restored from pack's cache on every build and keeps every entry any earlier build
 * wrote (other versions of the app, of its modules, test results): the 1.6 GiB of issue 24. A rebuild in the
 * container compiles the same targets with the same toolchain, so it reads what this build read, plus what it
 * writes itself.
 *
 * How "used by this build" is known, from the Go toolchain's own cache (cmd/go/internal/cache/cache.go, Go
 * 1.26.8 here, the toolchain the go-dist stand-in exposes): `markUsed` sets an entry's mtime to now on each
 * use unless the mtime is already less than `mtimeInterval` (1 hour) old; `Get` marks the action entry
 * (`<id>-a`) and `OutputFile` the output (`<id>-d`, a directory for a cached executable); a new entry is
 * written with mtime now. So every entry this build used or wrote has an mtime at or after (build start -
 * 1 hour), and an older entry was not touched by it. The lifecycle restores cache layers with their mtimes
 * normalized to 1980 (lifecycle layers/writer.go, archive.NormalizedModTime), so in practice the unused
 * entries are decades old. Only names Go's own trim would delete are dropped (`trimSubdir`: `-a` and `-d`
 * suffixes in the 256 two-hex-digit subdirectories); anything else is kept.
 */
import { lstat, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { unlessMissing } from "../core/errno.js";
import { treeSize } from "../fsutil/copy.js";

/** cmd/go/internal/cache: mtimeInterval, the most an entry's mtime lags behind its last use. */
export const GO_CACHE_MTIME_INTERVAL_MS = 60 * 60 * 1000;

/** The first line of the README Go writes into every cache dir (cmd/go/internal/cache/default.go). */
const GO_CACHE_README = "This directory holds cached build artifacts from the Go build system.";

/** go test -fuzz keeps its corpora under GOCACHE/fuzz: a build never reads them. */
const FUZZ_DIR = "fuzz";

const SUBDIR = /^[0-9a-f]{2}$/;
const ENTRY = /-[ad]$/;

export interface GoCacheTrim {
  /** Cache entries (action and output files) dropped: older than the cutoff. */
  droppedEntries: number;
  droppedBytes: number;
  keptEntries: number;
}

/** Whether `dir` is a Go build cache: Go writes a README with a fixed first line into each one. */
export async function isGoBuildCache(dir: string): Promise<boolean> {
  const readme = await unlessMissing(readFile(join(dir, "README"), "utf8"));
  return readme?.split("\n")[0] === GO_CACHE_README;
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
  for (const sub of (await unlessMissing(readdir(dir, { withFileTypes: true }))) ?? []) {
    if (!sub.isDirectory() || !SUBDIR.test(sub.name)) continue;
    for (const name of await readdir(join(dir, sub.name))) {
      if (!ENTRY.test(name)) continue;
      const path = join(dir, sub.name, name);
      const st = await lstat(path);
      if (st.mtimeMs >= cutoffMs) {
        result.keptEntries++;
        continue;
      }
      result.droppedBytes += await treeSize(path);
      result.droppedEntries++;
      await rm(path, { recursive: true, force: true });
    }
  }
  return result;
}
