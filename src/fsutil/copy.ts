/** Tree copies for the build: links stay links, modes and times are kept. */
import { chmod, copyFile, cp, link, lstat, mkdir, readdir, readlink, rename, rm, symlink, utimes } from "node:fs/promises";
import type { Stats } from "node:fs";
import { dirname, join } from "node:path";
import { errnoCode, unlessMissing } from "../core/errno.js";

export async function copyTree(source: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  await cp(source, dest, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true });
}

/**
 * Clears the "others may write" bit on `path` and everything under it (links are not followed). An app dir
 * is often 0777 in the build container (pack makes /workspace so), and a copy keeps that mode: nothing
 * tilt-live puts into the image may be world-writable. Returns how many entries were changed.
 */
export async function dropWorldWrite(path: string): Promise<number> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return 0;
  let changed = 0;
  if (st.mode & 0o002) {
    await chmod(path, st.mode & 0o7775);
    changed++;
  }
  if (st.isDirectory()) for (const name of await readdir(path)) changed += await dropWorldWrite(join(path, name));
  return changed;
}

/** How copyTreeWith places one regular file. */
export type PlaceFile = (source: string, dest: string, st: Stats) => Promise<void>;

/** A tree walk that recreates dirs (with their modes) and links, and hands each regular file to `place`. */
export async function copyTreeWith(source: string, dest: string, place: PlaceFile): Promise<void> {
  const st = await lstat(source);
  if (st.isSymbolicLink()) return symlink(await readlink(source), dest);
  if (st.isDirectory()) {
    await mkdir(dest, { recursive: true, mode: st.mode & 0o7777 });
    for (const name of await readdir(source)) await copyTreeWith(join(source, name), join(dest, name), place);
    return;
  }
  if (st.isFile()) await place(source, dest, st);
}

/** Copies one file with its mode and times. */
export const copyWithMode: PlaceFile = async (source, dest, st) => {
  await copyFile(source, dest);
  await chmod(dest, st.mode & 0o7777);
  await utimes(dest, st.atimeMs / 1000, st.mtimeMs / 1000);
};

/**
 * Like copyTree, but files are hard links where source and dest share a filesystem (instant, no extra
 * space); across filesystems they are copied. Only for sources nobody writes to afterwards.
 */
export async function linkTree(source: string, dest: string): Promise<void> {
  await copyTreeWith(source, dest, async (src, dst, st) => {
    try {
      await link(src, dst);
    } catch (error) {
      const code = errnoCode(error);
      if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK") throw error;
      await copyWithMode(src, dst, st);
    }
  });
}

/** Renames when source and dest share a filesystem (instant), copies and removes otherwise. */
export async function moveTree(source: string, dest: string): Promise<"renamed" | "copied"> {
  await mkdir(dirname(dest), { recursive: true });
  try {
    await rename(source, dest);
    return "renamed";
  } catch (error) {
    const code = errnoCode(error);
    if (code !== "EXDEV" && code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    await rm(dest, { recursive: true, force: true });
    await copyTree(source, dest);
    await rm(source, { recursive: true, force: true });
    return "copied";
  }
}

/** Whether anything (a link counts, whatever it points to) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  return (await unlessMissing(lstat(path))) !== undefined;
}

/** The names in a directory; none when it does not exist. */
export async function readdirIfExists(path: string): Promise<string[]> {
  return (await unlessMissing(readdir(path))) ?? [];
}

/** Bytes used by the regular files under `path` (links not followed). */
export async function treeSize(path: string): Promise<number> {
  const st = await lstat(path);
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const name of await readdir(path)) total += await treeSize(join(path, name));
  return total;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
