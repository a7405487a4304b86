// Where `npm run bench` keeps its JSON line: bench/results/<date>-<kind>.json, committed, so that the docs quote
// measured numbers from a file (docs/performance.md) instead of copies. A second run of the same kind on the same
// day gets -2, -3, ...: a result is never overwritten.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "../src/core/errno.js";

/** The kind of a run: the inner loop, the soak, or both (`--lang ... --soak`). */
export function resultKind(languages: readonly string[], soakRuns: number): string {
  const parts = [...(languages.length > 0 ? ["inner-loop"] : []), ...(soakRuns > 0 ? ["soak"] : [])];
  if (parts.length === 0) throw new Error("a bench run with no language and no soak has no result to keep");
  return parts.join("-");
}

/** Writes `json` (one line) to the first free `<date>-<kind>[-n].json` under `dir`; returns the file's path. */
export async function saveResult(dir: string, date: Date, kind: string, json: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stem = `${date.toISOString().slice(0, 10)}-${kind}`;
  for (let n = 1; ; n++) {
    const file = path.join(dir, n === 1 ? `${stem}.json` : `${stem}-${n}.json`);
    try {
      await writeFile(file, `${json}\n`, { flag: "wx" });
      return file;
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw error;
    }
  }
}
