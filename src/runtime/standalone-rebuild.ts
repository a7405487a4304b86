/**
 * `rebuild` when no supervisor serves the control socket (a container started without tilt-live's process
 * wrapper, or `--no-restart` by choice): the build runs in this process, under a lock so that concurrent
 * calls queue instead of interleaving. The app is not restarted.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { runtimePaths } from "../contract/context.js";
import { errnoCode } from "../core/errno.js";
import type { BuildResult } from "./rebuild/build-queue.js";

export interface LockOptions {
  tmpDir?: string;
  pollMs?: number;
  isAlive?: (pid: number) => boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

/** Runs `work` while holding an exclusive lock dir; a lock left by a dead process is taken over. */
export async function withRebuildLock<T>(work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { lock, root } = runtimePaths(options.tmpDir);
  const alive = options.isAlive ?? processAlive;
  await mkdir(root, { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      await mkdir(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw error;
      const owner = Number(await readFile(`${lock}/pid`, "utf8").catch(() => "NaN"));
      if (Number.isInteger(owner) && !alive(owner)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  }
  try {
    await writeFile(`${lock}/pid`, String(process.pid));
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export async function rebuildInProcess(
  build: (onOutput: (text: string) => void) => Promise<BuildResult>,
  out: NodeJS.WritableStream,
  options: LockOptions = {},
): Promise<BuildResult> {
  return withRebuildLock(() => build((text) => out.write(text)), options);
}
