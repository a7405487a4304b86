/**
 * An entr-style watcher for the source snapshot: reports a debounced batch of changed paths.
 *
 * It watches each directory itself (fs.watch per dir, adding dirs as they appear) instead of using
 * `fs.watch(root, { recursive: true })`: Node 20 does support recursive on Linux, but by watching every
 * directory underneath with no way to skip any, so a node_modules tree would cost thousands of inotify
 * watches and feed the debounce with noise. Ignored dirs are never entered here.
 *
 * Ignored: `.git`, `node_modules`, editor temp files (`*.swp`, `*.swx`, `*~`, `.#*`, vim's `4913`, `*.tmp`,
 * JetBrains' `*___jb_tmp___`/`*___jb_old___`) and the given globs (see glob.ts). An atomic save (write a temp
 * file, rename it over the target) shows up as a rename of the target, which is not ignored.
 *
 * Debounce: a batch fires once no event came for `debounceMs`, or at the latest `maxWaitMs` after its first
 * event, so a never-ending stream of writes still triggers builds.
 */
import { watch, type Dirent, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { isMissing } from "../../core/errno.js";
import { compileGlobs } from "../../core/glob.js";

export const DEFAULT_WATCH_IGNORE = [
  ".git",
  "node_modules",
  "*.swp",
  "*.swx",
  "*~",
  ".#*",
  "4913",
  "*.tmp",
  "*___jb_tmp___",
  "*___jb_old___",
] as const;

export interface WatcherOptions {
  root: string;
  debounceMs: number;
  /** Globs ignored in addition to DEFAULT_WATCH_IGNORE. */
  ignore?: readonly string[];
  /** Defaults to max(2000, 20 × debounceMs). */
  maxWaitMs?: number;
  /** Called with the changed paths (relative to root, sorted) of one debounced batch. */
  onTrigger: (changes: string[]) => void;
  onError?: (error: Error) => void;
}

export interface Watcher {
  /** Directories currently watched. */
  readonly watchedDirs: number;
  close(): void;
}

export async function startWatcher(options: WatcherOptions): Promise<Watcher> {
  const ignored = compileGlobs([...DEFAULT_WATCH_IGNORE, ...(options.ignore ?? [])]);
  const maxWaitMs = options.maxWaitMs ?? Math.max(2000, options.debounceMs * 20);
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let batch = new Set<string>();
  let quietTimer: NodeJS.Timeout | undefined;
  let maxTimer: NodeJS.Timeout | undefined;

  const rel = (path: string) => relative(options.root, path).split(sep).join("/");
  const report = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));

  const flush = () => {
    clearTimeout(quietTimer);
    clearTimeout(maxTimer);
    quietTimer = maxTimer = undefined;
    if (closed || batch.size === 0) return;
    const changes = [...batch].sort();
    batch = new Set();
    options.onTrigger(changes);
  };

  const changed = (path: string) => {
    batch.add(path === "" ? "." : path);
    clearTimeout(quietTimer);
    quietTimer = setTimeout(flush, options.debounceMs);
    maxTimer ??= setTimeout(flush, maxWaitMs);
  };

  const unwatchUnder = (dir: string) => {
    for (const [path, w] of watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        w.close();
        watchers.delete(path);
      }
    }
  };

  const onEvent = async (dir: string, event: string, filename: string | null) => {
    if (closed) return;
    if (filename === null) return changed(rel(dir));
    const path = join(dir, filename);
    const relPath = rel(path);
    if (ignored(relPath)) return;
    changed(relPath);
    if (event !== "rename") return; // only a rename (create, delete, move) can add or remove a directory
    try {
      const info = await stat(path);
      if (info.isDirectory() && !watchers.has(path)) await addDir(path);
    } catch (error) {
      if (isMissing(error)) unwatchUnder(path);
      else report(error);
    }
  };

  const addDir = async (dir: string): Promise<void> => {
    if (closed || watchers.has(dir) || (dir !== options.root && ignored(rel(dir)))) return;
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: true }, (event, filename) => {
        void onEvent(dir, event, typeof filename === "string" ? filename : null);
      });
    } catch (error) {
      if (!isMissing(error)) report(error);
      return;
    }
    w.on("error", () => unwatchUnder(dir));
    watchers.set(dir, w);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (!isMissing(error)) report(error);
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) await addDir(join(dir, entry.name));
    }
  };

  await addDir(options.root);
  return {
    get watchedDirs() {
      return watchers.size;
    },
    close() {
      closed = true;
      clearTimeout(quietTimer);
      clearTimeout(maxTimer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
