// How the platform scripts' unit tests call their shell functions: bash -c SCRIPT in the repository root, after the
// given libs are sourced, with positional ARGS and extra env (a private TILT_LIVE_CACHE, say). A failure is a result
// (exit code and stderr), so a test can assert a script's own error message.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const repoRoot = path.resolve(import.meta.dirname, "..");

export interface BashResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BashOptions {
  /** Files sourced first, relative to the repository root (scripts/lib.sh is always first). */
  libs: string[];
  args?: string[];
  env?: Record<string, string>;
}

export async function runBash(script: string, options: BashOptions): Promise<BashResult> {
  const sources = ["scripts/lib.sh", ...options.libs].map((lib) => `source ${lib}`).join(" && ");
  try {
    const { stdout, stderr } = await run("bash", ["-c", `${sources} && ${script}`, "bash", ...(options.args ?? [])], {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as BashResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
