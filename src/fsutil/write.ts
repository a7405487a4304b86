/** Writing a file tilt-live reads back later. */
import { rename, writeFile } from "node:fs/promises";

/** Writes through a temp file and a rename: a process killed mid-write (a `docker kill` during a rebuild) leaves the old file whole. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}
