/** <platform>/env: user-provided build-time variables, one file per variable, value verbatim. */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export async function readPlatformEnv(platformDir: string): Promise<Record<string, string>> {
  const dir = join(platformDir, "env");
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  const env: Record<string, string> = {};
  for (const name of names.sort()) env[name] = await readFile(join(dir, name), "utf8");
  return env;
}
