/**
 * Makes `dest` an exact copy of `source`, deletions included, touching only what differs. A file is skipped
 * only when the index of the previous mirror shows its source unchanged (same inode, ctime, size and mode: a
 * sync that rewrites a file always moves its ctime, even when tar restores an mtime rounded to the second)
 * and the destination still has the size and mtime the previous mirror gave it; without an index a file is
 * compared by its bytes (below). Symlinks are copied as links and never followed (a link that
 * points outside the tree stays a link); an entry whose type changed (file <-> dir <-> link) is replaced.
 * Without an index (the first mirror in a container) a file whose destination has the same bytes is left
 * alone (its mode is set), so the change set of the first rebuild holds only what the sync really changed.
 * Entries only the destination has are deleted, except those `keep` names (what a buildpack wrote into the
 * app dir, such as npm-install's node_modules link).
 */
import { chmod, lstat, mkdir, readdir, readFile, readlink, rm, symlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";
import { copyWithMode } from "./copy.js";
import { unlessMissing } from "../core/errno.js";

/** Source signature per relative path, from the previous mirror. */
export type MirrorIndex = Map<string, string>;

/** One path the mirror changed in the destination, relative to the root. */
export interface MirrorChange {
  path: string;
  kind: "added" | "modified" | "deleted";
  /** What the entry is (for a deletion: what the destination had). */
  type: "file" | "dir" | "link";
}

export interface MirrorOptions {
  /** Destination-only entries (relative paths) that stay: outputs of the build, not sources. */
  keep?: (relativePath: string) => boolean;
}

export interface MirrorStats {
  copied: number;
  /** Relative paths of the regular files copied (new or changed). */
  changedFiles: string[];
  /** Every file, link and deleted entry the mirror changed, sorted by path; directories made are left out. */
  changes: MirrorChange[];
  /** Destination-only entries left in place because `keep` named them. */
  kept: string[];
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
}

function changeType(kind: Kind): MirrorChange["type"] {
  return kind === "other" ? "file" : kind;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([readFile(a), readFile(b)]);
  return x.equals(y);
}

export async function mirrorTree(
  source: string,
  dest: string,
  previous: MirrorIndex = new Map(),
  options: MirrorOptions = {},
): Promise<{ stats: MirrorStats; index: MirrorIndex }> {
  const walk: Walk = {
    stats: { copied: 0, changedFiles: [], changes: [], kept: [], deleted: 0, unchanged: 0, dirs: 0 },
    previous,
    next: new Map(),
    keep: options.keep ?? (() => false),
  };
  const srcStat = await lstat(source);
  if (!srcStat.isDirectory()) throw new Error(`${source} is not a directory`);
  await mirrorDir(source, dest, "", srcStat, walk);
  walk.stats.changedFiles.sort();
  walk.stats.changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { stats: walk.stats, index: walk.next };
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
  stats.dirs++;

  const [srcNames, destNames] = await Promise.all([readdir(source), readdir(dest)]);
  const wanted = new Set(srcNames);
  // Entries go concurrently: libuv's thread pool bounds the real parallelism, and a large tree is mostly
  // waiting on lstat and copy calls.
  for (const name of destNames) if (!wanted.has(name) && walk.keep(join(rel, name))) stats.kept.push(join(rel, name));
  await Promise.all(
    destNames
      .filter((name) => !wanted.has(name) && !walk.keep(join(rel, name)))
      .map(async (name) => {
        const gone = await lstat(join(dest, name));
        await rm(join(dest, name), { recursive: true, force: true });
        stats.deleted++;
        stats.changes.push({ path: join(rel, name), kind: "deleted", type: changeType(kindOf(gone)) });
      }),
  );
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
  walk.next.set(rel, sig);
  if (
    existing &&
    walk.previous.get(rel) === sig &&
    existing.size === srcStat.size &&
    Math.abs(existing.mtimeMs - srcStat.mtimeMs) < 1 &&
    (existing.mode & 0o7777) === (srcStat.mode & 0o7777)
  ) {
    stats.unchanged++;
    return;
  }
  if (existing && !walk.previous.has(rel) && existing.size === srcStat.size && (await sameBytes(source, dest))) {
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
