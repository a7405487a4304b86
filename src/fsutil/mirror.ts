/**
 * Carries the user's source changes into `dest` (the app dir), touching only what differs. The rule:
 *
 *   - every entry of `source` is made the same in `dest` (added, rewritten, or replaced when its type changed);
 *   - an entry `dest` has and `source` lacks is deleted only when the source had it at the previous mirror
 *     (the index; before the first mirror in a container, the index the build recorded of the source it
 *     built): the user deleted it. A deleted source dir goes whole, with whatever the app wrote into it;
 *   - every other entry only `dest` has was written by the app, a buildpack or the runtime (app.db,
 *     uploads/, __pycache__/, a generated package-lock.json): it stays and is no change. `keep` names those a
 *     buildpack writes (its outputs), which a rebuild removes before its build phase recreates them;
 *   - `clean` (rebuild --clean) deletes every destination-only entry but `keep`'s: dest becomes an exact copy.
 *
 * A file is skipped only when the index shows its source unchanged (same inode, ctime, size and mode: a sync
 * that rewrites a file always moves its ctime, even when tar restores an mtime rounded to the second) and the
 * destination still has the size and mtime the previous mirror gave it; a file the index knows no signature
 * of (the build's index, or none) is compared by its bytes, so the change set of the first rebuild holds only
 * what the sync really changed, unless both sides still carry `untouchedMtimeMs` with the same size and mode
 * (the image's export time: neither was written since the image was built). Symlinks are copied as links and never followed (a link that points outside
 * the tree stays a link).
 */
import { chmod, lstat, mkdir, readdir, readFile, readlink, rm, symlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";
import { copyWithMode } from "./copy.js";
import { unlessMissing } from "../core/errno.js";

/** What one mirror knew of a source entry; files carry a signature once a mirror has seen them. */
export interface IndexedEntry {
  type: "file" | "dir" | "link";
  /** inode, ctime, size and mode of the source file (undefined: compare by bytes). */
  sig?: string;
}

/** The source as of one mirror, per relative path (the root itself left out). */
export type MirrorIndex = Map<string, IndexedEntry>;

/** One path the mirror changed in the destination, relative to the root. */
export interface MirrorChange {
  path: string;
  kind: "added" | "modified" | "deleted";
  /** What the entry is (for a deletion: what the source had, or the destination for a replaced type). */
  type: "file" | "dir" | "link";
}

export interface MirrorOptions {
  /** Destination-only entries (relative paths) a buildpack writes: listed in `kept`, so a build can remove them. */
  keep?: (relativePath: string) => boolean;
  /** Delete every destination-only entry `keep` does not name, not only those the user deleted. */
  clean?: boolean;
  /**
   * An mtime that only files nobody wrote since the image was built have (the export's): a file whose source
   * and destination both have it, and the same size, is unchanged without reading either.
   */
  untouchedMtimeMs?: number;
}

export interface MirrorStats {
  copied: number;
  /** Relative paths of the regular files copied (new or changed). */
  changedFiles: string[];
  /** Every file, link and deleted entry the mirror changed, sorted by path; directories made are left out. */
  changes: MirrorChange[];
  /** Destination-only entries left in place because `keep` named them. */
  kept: string[];
  /** Destination-only entries left in place because no source ever had them (written by the app or the build). */
  leftAlone: number;
  deleted: number;
  unchanged: number;
  dirs: number;
}

type Kind = "file" | "dir" | "link" | "other";

function kindOf(st: Stats): Kind {
  if (st.isSymbolicLink()) return "link";
  if (st.isDirectory()) return "dir";
  if (st.isFile()) return "file";
  return "other";
}

function signature(st: Stats): string {
  return `${st.ino}:${st.ctimeMs}:${st.size}:${st.mode}`;
}

interface Walk {
  stats: MirrorStats;
  previous: MirrorIndex;
  next: MirrorIndex;
  keep: (relativePath: string) => boolean;
  clean: boolean;
  untouchedMtimeMs: number | undefined;
}

function changeType(kind: Kind): MirrorChange["type"] {
  return kind === "other" ? "file" : kind;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([readFile(a), readFile(b)]);
  return x.equals(y);
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export async function mirrorTree(
  source: string,
  dest: string,
  previous: MirrorIndex = new Map(),
  options: MirrorOptions = {},
): Promise<{ stats: MirrorStats; index: MirrorIndex }> {
  const walk: Walk = {
    stats: { copied: 0, changedFiles: [], changes: [], kept: [], leftAlone: 0, deleted: 0, unchanged: 0, dirs: 0 },
    previous,
    next: new Map(),
    keep: options.keep ?? (() => false),
    clean: options.clean ?? false,
    untouchedMtimeMs: options.untouchedMtimeMs,
  };
  const srcStat = await lstat(source);
  if (!srcStat.isDirectory()) throw new Error(`${source} is not a directory`);
  await mirrorDir(source, dest, "", srcStat, walk);
  walk.stats.changedFiles.sort();
  walk.stats.changes.sort(byPath);
  walk.stats.kept.sort();
  return { stats: walk.stats, index: walk.next };
}

/**
 * The changes a deletion of `rel` stands for: the files and links the source had below it (a deleted package
 * is the deletion of its files), or the entry itself when the source had nothing below it.
 */
function deletedSourceEntries(rel: string, entry: IndexedEntry, previous: MirrorIndex): MirrorChange[] {
  if (entry.type !== "dir") return [{ path: rel, kind: "deleted", type: entry.type }];
  const prefix = `${rel}/`;
  const below: MirrorChange[] = [];
  for (const [path, { type }] of previous) {
    if (type !== "dir" && path.startsWith(prefix)) below.push({ path, kind: "deleted", type });
  }
  return below.length > 0 ? below : [{ path: rel, kind: "deleted", type: "dir" }];
}

/** Deletes or leaves one entry only the destination has, by the rule in this file's header. */
async function settleDestOnly(dest: string, rel: string, walk: Walk): Promise<void> {
  const { stats } = walk;
  const fromSource = walk.previous.get(rel);
  if (!fromSource && walk.keep(rel)) {
    stats.kept.push(rel);
    return;
  }
  if (!fromSource && !walk.clean) {
    stats.leftAlone++;
    return;
  }
  const gone = await lstat(dest);
  await rm(dest, { recursive: true, force: true });
  stats.deleted++;
  if (fromSource) stats.changes.push(...deletedSourceEntries(rel, fromSource, walk.previous));
  else stats.changes.push({ path: rel, kind: "deleted", type: changeType(kindOf(gone)) });
}

async function mirrorDir(source: string, dest: string, rel: string, srcStat: Stats, walk: Walk): Promise<void> {
  const { stats } = walk;
  const destStat = await unlessMissing(lstat(dest));
  if (destStat && !destStat.isDirectory()) {
    await rm(dest, { force: true, recursive: true });
    stats.deleted++;
    stats.changes.push({ path: rel, kind: "deleted", type: changeType(kindOf(destStat)) });
  }
  if (!destStat?.isDirectory()) await mkdir(dest, { mode: srcStat.mode & 0o7777 });
  // The destination root (the app dir) is the platform's: a volume or tmpfs there may belong to root.
  else if (rel !== "" && (destStat.mode & 0o7777) !== (srcStat.mode & 0o7777)) await chmod(dest, srcStat.mode & 0o7777);
  if (rel !== "") walk.next.set(rel, { type: "dir" });
  stats.dirs++;

  const [srcNames, destNames] = await Promise.all([readdir(source), readdir(dest)]);
  const wanted = new Set(srcNames);
  // Entries go concurrently: libuv's thread pool bounds the real parallelism, and a large tree is mostly
  // waiting on lstat and copy calls.
  await Promise.all(destNames.filter((name) => !wanted.has(name)).map((name) => settleDestOnly(join(dest, name), join(rel, name), walk)));
  await Promise.all(srcNames.map((name) => mirrorEntry(join(source, name), join(dest, name), join(rel, name), walk)));
}

async function mirrorEntry(source: string, dest: string, rel: string, walk: Walk): Promise<void> {
  const { stats } = walk;
  const srcStat = await lstat(source);
  const kind = kindOf(srcStat);
  if (kind === "dir") return mirrorDir(source, dest, rel, srcStat, walk);
  if (kind === "other") return; // sockets, fifos and devices have no place in a source tree

  const destStat = await unlessMissing(lstat(dest));
  if (destStat && kindOf(destStat) !== kind) {
    await rm(dest, { recursive: true, force: true });
    stats.deleted++;
    stats.changes.push({ path: rel, kind: "deleted", type: changeType(kindOf(destStat)) });
  }
  const existing = destStat && kindOf(destStat) === kind ? destStat : undefined;

  if (kind === "link") {
    walk.next.set(rel, { type: "link" });
    const target = await readlink(source);
    if (existing && (await readlink(dest)) === target) {
      stats.unchanged++;
      return;
    }
    if (existing) await rm(dest, { force: true });
    await symlink(target, dest);
    stats.copied++;
    stats.changes.push({ path: rel, kind: existing ? "modified" : "added", type: "link" });
    return;
  }

  const sig = signature(srcStat);
  walk.next.set(rel, { type: "file", sig });
  const known = walk.previous.get(rel)?.sig;
  if (
    existing &&
    known === sig &&
    existing.size === srcStat.size &&
    Math.abs(existing.mtimeMs - srcStat.mtimeMs) < 1 &&
    (existing.mode & 0o7777) === (srcStat.mode & 0o7777)
  ) {
    stats.unchanged++;
    return;
  }
  const untouched =
    walk.untouchedMtimeMs !== undefined && srcStat.mtimeMs === walk.untouchedMtimeMs && existing?.mtimeMs === walk.untouchedMtimeMs;
  if (existing && known === undefined && existing.size === srcStat.size && (untouched || (await sameBytes(source, dest)))) {
    // The export may have given the app dir other modes (pack's 0777); the bytes are what the build read.
    if ((existing.mode & 0o7777) !== (srcStat.mode & 0o7777)) await chmod(dest, srcStat.mode & 0o7777);
    stats.unchanged++;
    return;
  }
  // A fresh inode: a process still reading the old file keeps its copy, and a read-only file is no obstacle.
  if (existing) await rm(dest, { force: true });
  await copyWithMode(source, dest, srcStat);
  stats.copied++;
  stats.changedFiles.push(rel);
  stats.changes.push({ path: rel, kind: existing ? "modified" : "added", type: "file" });
}
