/**
 * The mirror's index on disk: which entries the source had, so that a later mirror tells the user's deletions
 * from what the app or a buildpack wrote (mirror.ts). The build records one of the source it built (no file
 * signatures: an export gives every file a new inode); each rebuild keeps the latest in its runtime dir, so a
 * `rebuild` without a supervisor, or a restarted supervisor, carries on from the last mirror.
 *
 * Format: `{"version": 1, "entries": [[path, type, signature?], ...]}`, paths relative to the source root.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { TiltLiveError } from "../core/errors.js";
import { readOptionalJson } from "./read.js";
import { writeFileAtomic } from "./write.js";
import type { IndexedEntry, MirrorIndex } from "./mirror.js";

const FORMAT_VERSION = 1;

type Row = [string, IndexedEntry["type"], string?];

const TYPES: ReadonlySet<string> = new Set(["file", "dir", "link"]);

/** Every file, dir and link under `root` (sockets and the like are not mirrored either), without signatures. */
export async function indexTree(root: string): Promise<MirrorIndex> {
  const index: MirrorIndex = new Map();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const path = join(rel, entry.name);
        if (entry.isSymbolicLink()) index.set(path, { type: "link" });
        else if (entry.isFile()) index.set(path, { type: "file" });
        else if (entry.isDirectory()) {
          index.set(path, { type: "dir" });
          await walk(path);
        }
      }),
    );
  };
  await walk("");
  return index;
}

export async function writeMirrorIndex(path: string, index: MirrorIndex): Promise<void> {
  const entries: Row[] = [...index].map(([rel, { type, sig }]) => (sig === undefined ? [rel, type] : [rel, type, sig]));
  await writeFileAtomic(path, JSON.stringify({ version: FORMAT_VERSION, entries }));
}

function invalid(path: string, detail: string): TiltLiveError {
  return new TiltLiveError("invalid-metadata", "not a tilt-live source index", { path, detail });
}

/** The index at `path`, or undefined when there is none. */
export async function readMirrorIndex(path: string): Promise<MirrorIndex | undefined> {
  const value = await readOptionalJson(path);
  if (value === undefined) return undefined;
  const { version, entries } = (value ?? {}) as { version?: unknown; entries?: unknown };
  if (version !== FORMAT_VERSION) throw invalid(path, `version ${String(version)}, expected ${FORMAT_VERSION}`);
  if (!Array.isArray(entries)) throw invalid(path, "no entries array");
  const index: MirrorIndex = new Map();
  for (const row of entries as unknown[]) {
    const [rel, type, sig] = Array.isArray(row) ? row : [];
    if (typeof rel !== "string" || typeof type !== "string" || !TYPES.has(type) || (sig !== undefined && typeof sig !== "string")) {
      throw invalid(path, `bad entry ${JSON.stringify(row)}`);
    }
    index.set(rel, sig === undefined ? { type: type as IndexedEntry["type"] } : { type: type as IndexedEntry["type"], sig });
  }
  return index;
}
