/**
 * Service bindings (`<platform>/bindings/<name>/`, the Service Binding for Kubernetes layout libcnb and packit
 * read): a `type` file and one file per entry. Kubernetes projects entries as links into `..data/`, so entries
 * are followed; directories (such as `..data` itself) are not entries.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readdirIfExists } from "../fsutil/copy.js";

export interface Binding {
  name: string;
  type: string;
  /** Entry name -> content, byte for byte. */
  entries: Map<string, Buffer>;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  return (await readdirIfExists(dir)).sort();
}

export async function readBindings(platformDir: string): Promise<Binding[]> {
  const root = join(platformDir, "bindings");
  const bindings: Binding[] = [];
  for (const name of await readdirOrEmpty(root)) {
    const dir = join(root, name);
    if (!(await stat(dir)).isDirectory()) continue;
    const entries = new Map<string, Buffer>();
    for (const entry of await readdirOrEmpty(dir)) {
      if (entry.startsWith("..")) continue;
      const path = join(dir, entry);
      if ((await stat(path)).isFile()) entries.set(entry, await readFile(path));
    }
    bindings.push({ name, type: entries.get("type")?.toString("utf8").trim() ?? "", entries });
  }
  return bindings;
}
