import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GroupEntry } from "../cnb/group.js";
import { buildpackId } from "../cnb/names.js";
import { computeLaunchEnv } from "../runtime/supervise/launch-env.js";
import { applyEnvMods } from "../runtime/supervise/env-mods.js";
import { tempDir } from "../testing/temp-dir.js";
import { JVM_QUICK_START_OPTIONS, launchesJava, writeJvmQuickStart } from "./jvm-quick-start.js";

const entry = (id: string): GroupEntry => ({ id: buildpackId(id), version: "1.0.0", api: "0.10", optional: false });

/** A layers root with a JVM buildpack's layer `name` holding bin/java, with the given flags. */
async function jvmLayer(layersRoot: string, name: string, launch: boolean): Promise<void> {
  const bp = join(layersRoot, "tilt-live_debian-openjdk");
  await mkdir(join(bp, name, "bin"), { recursive: true });
  await writeFile(join(bp, name, "bin", "java"), "");
  await writeFile(join(bp, `${name}.toml`), `[types]\nlaunch = ${launch}\nbuild = ${!launch}\ncache = ${!launch}\n`);
}

describe("the JVM's quick-start flags", () => {
  it("apply where an earlier buildpack launches java, not where it only builds with it", async () => {
    const root = await tempDir("jvm-quick-start-");
    const group = [entry("tilt-live/debian-openjdk"), entry("paketo-buildpacks/maven")];
    await jvmLayer(root, "jdk", false);
    expect(await launchesJava(root, group)).toBe(false);
    await jvmLayer(root, "jre", true);
    expect(await launchesJava(root, group)).toBe(true);
    expect(await launchesJava(root, [entry("paketo-buildpacks/maven")])).toBe(false);
  });

  it("go first in JAVA_TOOL_OPTIONS, so that the JVM buildpack's and the user's flags still win", async () => {
    const root = await tempDir("jvm-quick-start-");
    // A JVM buildpack's launch layer appends its own flags, as libjvm does.
    const jre = join(root, "paketo-buildpacks_bellsoft-liberica", "jre");
    await mkdir(join(jre, "env.launch"), { recursive: true });
    await writeFile(join(jre, "env.launch", "JAVA_TOOL_OPTIONS.append"), "-XX:+UseG1GC");
    await writeFile(join(jre, "env.launch", "JAVA_TOOL_OPTIONS.delim"), " ");
    const tools = join(root, "tilt-live", "tools");
    await writeJvmQuickStart(tools);
    expect((await readdir(join(tools, "env.launch"))).sort()).toEqual(["JAVA_TOOL_OPTIONS.delim", "JAVA_TOOL_OPTIONS.prepend"]);
    expect(await readFile(join(tools, "env.launch", "JAVA_TOOL_OPTIONS.prepend"), "utf8")).toBe(JVM_QUICK_START_OPTIONS);

    const mods = await computeLaunchEnv({
      layersRoot: root,
      buildpacks: [entry("paketo-buildpacks/bellsoft-liberica"), entry("tilt-live")],
    });
    expect(applyEnvMods({ JAVA_TOOL_OPTIONS: "-Xmx256m" }, mods).JAVA_TOOL_OPTIONS).toBe(
      "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -XX:+UseG1GC",
    );
    expect(applyEnvMods({}, mods).JAVA_TOOL_OPTIONS).toBe("-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+UseG1GC");
  });
});
