/**
 * The build's service bindings, kept for the rebuild: a Maven build reads its settings.xml (mirrors, credentials)
 * from a `maven` binding, which a platform mounts for `pack build` only; the running container has none. Bindings
 * the user lists in BP_TILT_LIVE_BINDINGS_EXCLUDE (names, comma separated) stay out of the development image,
 * like the variables of BP_TILT_LIVE_ENV_EXCLUDE.
 *
 * Only the binding's files are recorded: a binding that points elsewhere (a settings.xml mirror with a file://
 * URL into a build-time volume) needs that place to exist in the container too, as a network mirror would need
 * to be reachable from it.
 */
import { copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readBindings, type Binding } from "../cnb/bindings.js";
import { ConfigVars, lookup, parseList } from "./config.js";
import { exists } from "../fsutil/copy.js";

export interface RecordedBindings {
  recorded: Binding[];
  excluded: string[];
}

export async function recordBindings(
  platformDir: string,
  platformEnv: Record<string, string>,
  env: NodeJS.ProcessEnv,
  dest: string,
): Promise<RecordedBindings> {
  const exclude = new Set(parseList(lookup(platformEnv, env, ConfigVars.bindingsExclude)));
  const all = await readBindings(platformDir);
  const recorded = all.filter((b) => !exclude.has(b.name));
  for (const binding of recorded) {
    const dir = join(dest, binding.name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const [entry, content] of binding.entries) await writeFile(join(dir, entry), content, { mode: 0o600 });
  }
  return { recorded, excluded: all.filter((b) => exclude.has(b.name)).map((b) => b.name) };
}

/** Puts recorded bindings back as `<platformDir>/bindings/<name>/` for a rebuild. */
export async function restoreBindings(recordedDir: string, platformDir: string): Promise<string[]> {
  if (!(await exists(recordedDir))) return [];
  const names = (await readdir(recordedDir)).sort();
  for (const name of names) {
    const dir = join(platformDir, "bindings", name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const entry of await readdir(join(recordedDir, name))) await copyFile(join(recordedDir, name, entry), join(dir, entry));
  }
  return names;
}
