/** <platform>/env: user-provided build-time variables, one file per variable, value verbatim. */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { unlessMissing } from "../core/errno.js";

export async function readPlatformEnv(platformDir: string): Promise<Record<string, string>> {
  const dir = join(platformDir, "env");
  const names = await unlessMissing(readdir(dir));
  if (!names) return {};
  const env: Record<string, string> = {};
  for (const name of names.sort()) env[name] = await readFile(join(dir, name), "utf8");
  return env;
}
