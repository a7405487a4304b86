/**
 * JVM flags for a development image's app: `-XX:TieredStopAtLevel=1` (the C1 compiler only: less JIT work at
 * start, slower peak code, the trade IDEs' and `spring-boot:run`'s launchers make for development) and
 * `-XX:+UseSerialGC` (no parallel GC threads to set up; what the JVM picks anyway in a container with one CPU or
 * less than 1792 MB). Every live update restarts the JVM, so its start is paid on every edit. Written into the
 * tools layer as `env.launch/JAVA_TOOL_OPTIONS.prepend`: the launcher puts them before what the JVM buildpack and
 * the user give (the last occurrence of a flag wins, so theirs still decide). Only where an earlier buildpack
 * has a launch layer with `bin/java`, and only when `BP_TILT_LIVE_JVM_QUICK_START=true` (off by default: config.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GroupEntry } from "../cnb/group.js";
import { readLayerToml } from "../cnb/layer.js";
import { escapeBuildpackId } from "../cnb/names.js";
import { exists, readdirIfExists } from "../fsutil/copy.js";

export const JVM_QUICK_START_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

/** Whether the app's processes run with a JVM from the group: a launch layer holding bin/java. */
export async function launchesJava(layersRoot: string, earlier: readonly GroupEntry[]): Promise<boolean> {
  for (const bp of earlier) {
    const bpDir = join(layersRoot, escapeBuildpackId(bp.id));
    for (const name of await readdirIfExists(bpDir)) {
      if (!(await exists(join(bpDir, name, "bin", "java")))) continue;
      if ((await readLayerToml(join(bpDir, `${name}.toml`)))?.types.launch) return true;
    }
  }
  return false;
}

/** The launch env files that put the flags in front of JAVA_TOOL_OPTIONS, in the layer `layerDir`. */
export async function writeJvmQuickStart(layerDir: string): Promise<void> {
  const env = join(layerDir, "env.launch");
  await mkdir(env, { recursive: true });
  await writeFile(join(env, "JAVA_TOOL_OPTIONS.prepend"), JVM_QUICK_START_OPTIONS);
  await writeFile(join(env, "JAVA_TOOL_OPTIONS.delim"), " ");
}
