/** Tree copies for the build: links stay links, modes and times are kept. */
import { chmod, cp, lstat, readdir, rename, rm, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";

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

/** Renames when source and dest share a filesystem (instant), copies and removes otherwise. */
export async function moveTree(source: string, dest: string): Promise<"renamed" | "copied"> {
  await mkdir(dirname(dest), { recursive: true });
  try {
    await rename(source, dest);
    return "renamed";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EXDEV" && code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    await rm(dest, { recursive: true, force: true });
    await copyTree(source, dest);
    await rm(source, { recursive: true, force: true });
    return "copied";
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

export async function isEmptyDir(path: string): Promise<boolean> {
  return (await readdir(path)).length === 0;
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
