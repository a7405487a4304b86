// The offline CNB platform (scripts/platform/setup.sh): made once per test run, then read from its JSON file.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Platform {
  pack: string;
  packHome: string;
  packVolumeKey: string;
  packVersion: string;
  lifecycleVersion: string;
  lifecycleImage: string;
  lifecycleTgz: string;
  builder: string;
  runImage: string;
  buildImage: string;
  stackId: string;
  /** The `maven` binding (type, settings.xml mirroring every repository to mavenMirrorMount) for samples/java. */
  mavenBinding: string;
  /** The setup-time Maven repository the binding's mirror points at, mounted read-only at mavenMirrorMount. */
  mavenMirror: string;
  mavenMirrorMount: string;
}

export function cacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache");
  return process.env.TILT_LIVE_CACHE ?? path.join(xdg, "tilt-live");
}

let ensured: Promise<Platform> | undefined;

/**
 * Runs scripts/platform/setup.sh once per test process (it skips every cached step, so a warm run takes seconds)
 * and returns the names it produced. TILT_LIVE_PLATFORM_READY=1 skips the script when CI ran it already.
 */
export function ensurePlatform(): Promise<Platform> {
  ensured ??= (async () => {
    if (process.env.TILT_LIVE_PLATFORM_READY !== "1") {
      const setup = path.join(repoRoot, "scripts/platform/setup.sh");
      const result = await execa("bash", [setup], { all: true, reject: false, cwd: repoRoot });
      if (result.exitCode !== 0) {
        throw new Error(`scripts/platform/setup.sh failed (exit ${result.exitCode}); its output:\n${result.all ?? ""}`);
      }
    }
    return readPlatform();
  })();
  return ensured;
}

export async function readPlatform(): Promise<Platform> {
  const file = path.join(cacheDir(), "platform", "platform.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new Error(`no platform description at ${file}: run scripts/platform/setup.sh`, { cause });
  }
  return JSON.parse(text) as Platform;
}
