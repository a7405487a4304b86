import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../testing/temp-dir.js";
import { applyEnvMods, refreshEnv, undoEnvMods } from "./env-mods.js";
import { computeLaunchEnv } from "./launch-env.js";

let layers: string;
beforeEach(async () => {
  layers = await tempDir("launch-env-");
});
afterEach(async () => {
  await rm(layers, { recursive: true, force: true });
});

async function put(rel: string, content = ""): Promise<void> {
  const path = join(layers, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}
const launchToml = "[types]\nlaunch = true\n";

describe("computeLaunchEnv", () => {
  it("applies bin/lib of every layer of a buildpack before its env files, buildpacks in group order", async () => {
    await put("a_one/l1.toml", launchToml);
    await put("a_one/l1/bin/x");
    await put("a_one/l1/env/FOO.override", "a");
    await put("a_one/l2.toml", launchToml);
    await put("a_one/l2/lib/x");
    await put("a_one/l2/env.launch/FOO.append", "b");
    await put("a_one/l2/env.launch/FOO.delim", ",");
    await put("b/l.toml", launchToml);
    await put("b/l/bin/y");
    await put("b/l/env.launch/web/FOO.prepend", "web");
    await put("b/l/env.launch/worker/FOO.prepend", "worker");
    const mods = await computeLaunchEnv({
      layersRoot: layers,
      buildpacks: [
        { id: "a/one", api: "0.10" },
        { id: "b", api: "0.10" },
      ],
      processType: "web",
    });
    expect(mods.map((m) => `${m.name} ${m.action} ${m.value.replace(layers, "L")} [${m.delim}]`)).toEqual([
      "PATH prepend L/a_one/l1/bin [:]",
      "LD_LIBRARY_PATH prepend L/a_one/l2/lib [:]",
      "FOO override a []",
      "FOO append b [,]",
      "PATH prepend L/b/l/bin [:]",
      "FOO prepend web []",
    ]);
    const env = applyEnvMods({ PATH: "/usr/bin", HOME: "/h" }, mods);
    expect(env).toEqual({
      PATH: `${layers}/b/l/bin:${layers}/a_one/l1/bin:/usr/bin`,
      LD_LIBRARY_PATH: `${layers}/a_one/l2/lib`,
      FOO: "weba,b",
      HOME: "/h",
    });
  });

  it("skips .ignore dirs and non-launch layers, using the recorded toml when the layer has none", async () => {
    await put("bp/build-only.toml", "[types]\nbuild = true\n");
    await put("bp/build-only/env/A", "1");
    await put("bp/old.ignore/env/B", "1");
    await put("bp/recorded-cache/env/C", "1");
    await put("meta/bp/layers/recorded-cache.toml", "[types]\ncache = true\n");
    await put("bp/from-image/env/D", "1");
    const mods = await computeLaunchEnv({
      layersRoot: layers,
      buildpacks: [{ id: "bp", api: "0.10" }],
      metaBuildpacksDir: join(layers, "meta"),
    });
    expect(mods).toEqual([{ name: "D", action: "override", value: "1", delim: "" }]);
  });

  it("treats unsuffixed files as prepend-path for buildpack API < 0.5, and default only fills empty values", async () => {
    await put("old/l/env/P", "/p");
    await put("old/l/env/Q", "q");
    await put("old/l/env/Q.delim", "|");
    await put("old/l/env/R.default", "dflt");
    await put("old/l/env/S.default", "dflt");
    await put("old/l/env/T.weird", "ignored");
    const mods = await computeLaunchEnv({ layersRoot: layers, buildpacks: [{ id: "old", api: "0.4" }] });
    expect(applyEnvMods({ P: "/base", Q: "x", S: "set" }, mods)).toEqual({ P: "/p:/base", Q: "q|x", R: "dflt", S: "set" });
  });

  it("returns nothing for a buildpack without a layers dir", async () => {
    expect(await computeLaunchEnv({ layersRoot: layers, buildpacks: [{ id: "none", api: "0.10" }] })).toEqual([]);
  });
});

describe("refreshEnv", () => {
  const before = [
    { name: "PATH", action: "prepend" as const, value: "/layers/a/bin", delim: ":" },
    { name: "CP", action: "append" as const, value: "x.jar", delim: ":" },
    { name: "MODE", action: "override" as const, value: "dev", delim: "" },
  ];
  const base = { PATH: "/cnb/process:/usr/bin", CP: "base.jar", USER_SET: "kept" };
  const start = applyEnvMods(base, before);

  it("gives back the start env exactly when nothing changed", () => {
    const withExtra = { ...start, UNTOUCHED: "v" };
    expect(refreshEnv(withExtra, before, [...before])).toEqual(withExtra);
  });

  it("undoes the old modifications and applies the new ones", () => {
    expect(undoEnvMods(start, before)).toEqual(base);
    const after = [
      { name: "PATH", action: "prepend" as const, value: "/layers/a/bin", delim: ":" },
      { name: "PATH", action: "prepend" as const, value: "/layers/b/bin", delim: ":" },
      { name: "NEW", action: "default" as const, value: "n", delim: "" },
    ];
    expect(refreshEnv(start, before, after)).toEqual({
      PATH: "/layers/b/bin:/layers/a/bin:/cnb/process:/usr/bin",
      CP: "base.jar",
      USER_SET: "kept",
      NEW: "n",
    });
  });

  it("drops a prepended variable the base did not have", () => {
    const mods = [{ name: "LD_LIBRARY_PATH", action: "prepend" as const, value: "/l/lib", delim: ":" }];
    expect(refreshEnv(applyEnvMods({}, mods), mods, [])).toEqual({});
  });
});
