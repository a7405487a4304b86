import { lstat, mkdir, readFile, readdir, readlink, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { readToml } from "../cnb/toml.js";
import { TiltLiveError } from "../core/errors.js";
import { goBuildpackLayers, lifecycleFixture, type LifecycleFixture } from "../testing/lifecycle-fixture.js";
import { readBuildInput } from "./inputs.js";
import { buildLive } from "./live.js";
import { buildSource } from "./source.js";

const OPTIONS = (f: LifecycleFixture) => ({ lifecyclePath: f.lifecyclePath, version: "0.1.0", uid: 1000, gid: 1000 });

async function runSource(f: LifecycleFixture) {
  const env = f.env("tilt-live/source", "0.1.0");
  await mkdir(env.CNB_LAYERS_DIR!, { recursive: true });
  await buildSource(await readBuildInput(env, f.appDir, f.logger));
}

async function runLive(f: LifecycleFixture) {
  const env = f.env("tilt-live", "0.1.0");
  await mkdir(env.CNB_LAYERS_DIR!, { recursive: true });
  await buildLive(await readBuildInput(env, f.appDir, f.logger), OPTIONS(f));
}

/** What go-build does to the app dir: compile, then delete the source. */
async function emptyAppDir(f: LifecycleFixture) {
  for (const name of await readdir(f.appDir)) await rm(join(f.appDir, name), { recursive: true });
}

describe("the tilt-live build on a Go group", () => {
  let f: LifecycleFixture;
  beforeEach(async () => {
    f = await lifecycleFixture();
    await writeFile(join(f.appDir, "main.go"), 'package main\nconst message = "v1"\n');
    await writeFile(join(f.appDir, "Tiltfile"), "# tilt\n");
    await mkdir(join(f.appDir, "bin"));
    await writeFile(join(f.appDir, "bin", "tool"), "a bin dir of the app");
    await writeFile(join(f.platformDir, "env", "BP_GO_TARGETS"), "./cmd/web");
    await writeFile(join(f.platformDir, "env", "MULTILINE"), 'line "one"\nlïne two\n');
    await runSource(f);
    await goBuildpackLayers(f);
    await emptyAppDir(f);
    await runLive(f);
  });

  const own = () => join(f.layersRoot, "tilt-live");

  it("keeps the pristine source as the sync target even though go-build emptied the app dir", async () => {
    expect(await readFile(join(own(), "src", "main.go"), "utf8")).toContain('"v1"');
    expect(await readFile(join(own(), "src", "bin", "tool"), "utf8")).toBe("a bin dir of the app");
    expect(await readToml(join(own(), "src.toml"), "src.toml")).toEqual({
      types: { launch: true, build: false, cache: false },
      metadata: {},
    });
  });

  it("tells the buildpacks after tilt-live/source to keep the app dir's source (BP_KEEP_FILES=*), unless the user set it", async () => {
    const snapshotLayer = join(f.layersRoot, "tilt-live_source", "snapshot");
    expect(await readFile(join(snapshotLayer, "env.build", "BP_KEEP_FILES.override"), "utf8")).toBe("*");
    expect(f.output.text).toContain("    Keeping the app dir's source for rebuilds (BP_KEEP_FILES=* for the buildpacks after this one)\n");

    const g = await lifecycleFixture();
    await writeFile(join(g.appDir, "main.go"), "package main\n");
    await writeFile(join(g.platformDir, "env", "BP_KEEP_FILES"), "static/*");
    await runSource(g);
    expect(g.output.text).toContain(
      "    BP_KEEP_FILES=static/* is set on the platform: the image keeps only that, rebuilds keep all of the source\n",
    );
  });

  it("adds nothing world-writable, even from an app dir that pack made 0777", async () => {
    const g = await lifecycleFixture();
    const { chmod } = await import("node:fs/promises");
    await writeFile(join(g.appDir, "main.go"), "package main\n");
    await writeFile(join(g.appDir, "Tiltfile"), "# tilt\n");
    await chmod(g.appDir, 0o777);
    await chmod(join(g.appDir, "main.go"), 0o666);
    await runSource(g);
    await goBuildpackLayers(g);
    await emptyAppDir(g);
    await runLive(g);
    const loose: string[] = [];
    const walk = async (path: string): Promise<void> => {
      const st = await lstat(path);
      if (!st.isSymbolicLink() && st.mode & 0o6002) loose.push(`${path} ${(st.mode & 0o7777).toString(8)}`);
      if (st.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
    };
    await walk(join(g.layersRoot, "tilt-live"));
    expect(loose).toEqual([]);
    expect((await stat(join(g.layersRoot, "tilt-live", "src"))).mode & 0o777).toBe(0o775);
    expect((await stat(join(g.layersRoot, "tilt-live", "src", "main.go"))).mode & 0o777).toBe(0o664);
  });

  it("exports group, plan, layer metadata and the recorded env byte for byte", async () => {
    const meta = join(own(), "meta");
    expect(await readFile(join(meta, "group.toml"), "utf8")).toBe(await readFile(join(f.layersRoot, "group.toml"), "utf8"));
    expect(await readFile(join(meta, "plan.toml"), "utf8")).toBe(await readFile(join(f.layersRoot, "plan.toml"), "utf8"));
    expect(await readdir(join(meta, "buildpacks", "paketo-buildpacks_go-build", "layers"))).toEqual(["gocache.toml", "targets.toml"]);
    expect(await readdir(join(meta, "buildpacks", "paketo-buildpacks_go-build"))).toContain("launch.toml");
    expect(await readFile(join(meta, "platform-env", "MULTILINE"), "utf8")).toBe('line "one"\nlïne two\n');
    const buildEnv = JSON.parse(await readFile(join(meta, "build-env.json"), "utf8"));
    expect(buildEnv).toMatchObject({ PATH: "/usr/bin:/bin", HOME: "/home/cnb" });
    expect(buildEnv).not.toHaveProperty("CNB_LAYERS_DIR");
    const ctx = JSON.parse(await readFile(join(meta, "context.json"), "utf8"));
    expect(ctx).toMatchObject({
      layersRoot: f.layersRoot,
      appDir: f.appDir,
      platformApi: "0.14",
      buildUid: 1000,
      watch: false,
      watchDebounceMs: 100,
    });
  });

  it("copies every buildpack of the group and the lifecycle", async () => {
    const bps = join(own(), "buildpacks");
    expect((await readdir(bps)).sort()).toEqual([
      "paketo-buildpacks_go-build",
      "paketo-buildpacks_go-dist",
      "tilt-live",
      "tilt-live_source",
    ]);
    expect(await readFile(join(bps, "paketo-buildpacks_go-dist", "2.6.0", "bin", "run"), "utf8")).toBe(
      "binary of paketo-buildpacks/go-dist",
    );
    expect(await readFile(join(own(), "lifecycle", "lifecycle"), "utf8")).toContain("fake lifecycle");
  });

  it("carries build and cache layers but not launch layers", async () => {
    const carried = join(own(), "carried");
    expect(await readFile(join(carried, "paketo-buildpacks_go-dist", "go", "bin", "go"), "utf8")).toBe("go toolchain");
    expect(await readFile(join(carried, "paketo-buildpacks_go-build", "gocache", "00", "entry"), "utf8")).toBe("cached object");
    // Hard links on the same filesystem: carrying a toolchain costs neither time nor space at build time.
    const original = await stat(join(f.layersRoot, "paketo-buildpacks_go-dist", "go", "bin", "go"));
    expect((await stat(join(carried, "paketo-buildpacks_go-dist", "go", "bin", "go"))).ino).toBe(original.ino);
    await expect(stat(join(carried, "paketo-buildpacks_go-build", "targets"))).rejects.toThrow();
    await expect(stat(join(carried, "tilt-live_source"))).rejects.toThrow();
    expect(f.output.text).toContain("paketo-buildpacks/go-dist:go (build+cache, 12 B)");
  });

  it("weighs what it adds, in the log and in meta/weight.json", async () => {
    const weight = JSON.parse(await readFile(join(own(), "meta", "weight.json"), "utf8"));
    const parts = weight.layers.map((l: { part: string }) => l.part).sort();
    expect(parts).toEqual([
      "app dir source (BP_KEEP_FILES=*)",
      "buildpacks",
      "carried paketo-buildpacks/go-build:gocache",
      "carried paketo-buildpacks/go-dist:go",
      "lifecycle",
      "meta",
      "src",
      "tools",
    ]);
    expect(weight.layers.find((l: { part: string }) => l.part === "carried paketo-buildpacks/go-dist:go").bytes).toBe(12);
    expect(weight.addedBytes).toBe(weight.layers.reduce((sum: number, l: { bytes: number }) => sum + l.bytes, 0));
    expect(f.output.text).toMatch(/\n {2}Dev image weight: [\d.]+ (B|KiB) added \(.*carried paketo-buildpacks\/go-dist:go 12 B/);
    // go-build ran and the user left BP_KEEP_FILES to tilt-live/source: the app dir's source counts too.
    expect(f.output.text).toMatch(/Dev image weight: .*app dir source \(BP_KEEP_FILES=\*\) \d+ B/);
  });

  it("declares the processes again under the supervisor and records the originals", async () => {
    const launch = await readToml(join(own(), "launch.toml"), "launch.toml");
    expect(launch.processes).toEqual([
      { type: "web", command: [join(own(), "tools", "bin", "tilt-live-supervise"), "web"], args: [], default: true },
    ]);
    expect(Object.keys(launch)).toEqual(["processes"]);
    const processes = JSON.parse(await readFile(join(own(), "meta", "processes.json"), "utf8"));
    expect(processes).toEqual([
      {
        type: "web",
        command: [join(f.layersRoot, "paketo-buildpacks_go-build", "targets", "bin", "app")],
        args: [],
        default: true,
        direct: true,
        buildpackId: "paketo-buildpacks/go-build",
      },
    ]);
  });

  it("writes Skaffold's sync rules as a devmode [[bom]] entry when Skaffold asks for auto sync (GOOGLE_DEVMODE=1)", async () => {
    const g = await lifecycleFixture();
    await writeFile(join(g.appDir, "main.go"), "package main\n");
    await writeFile(join(g.appDir, "project.toml"), "[_]\n");
    await writeFile(join(g.platformDir, "env", "GOOGLE_DEVMODE"), "1");
    await runSource(g);
    await goBuildpackLayers(g);
    await emptyAppDir(g);
    await runLive(g);
    const own = join(g.layersRoot, "tilt-live");
    const launch = await readToml(join(own, "launch.toml"), "launch.toml");
    const bom = launch.bom as { name: string; metadata: Record<string, { src: string; dest: string }[]> }[];
    expect(bom.map((b) => b.name)).toEqual(["devmode"]);
    const rules = bom[0]!.metadata["devmode.sync"]!;
    expect(new Set(rules.map((r) => r.dest))).toEqual(new Set([join(own, "src")]));
    expect(rules.map((r) => r.src)).toContain("**/[^p]*");
    expect(rules.map((r) => r.src)).not.toContain("**/project.toml");
    expect(g.output.text).toContain(
      `Skaffold sync rules (GOOGLE_DEVMODE=1, sync: auto): the source to ${join(own, "src")}, except project.toml`,
    );
    // and the supervisor watches: Skaffold only copies files
    expect(JSON.parse(await readFile(join(own, "meta", "context.json"), "utf8")).watch).toBe(true);
  });

  it("links the tools to the executable's copy in the image", async () => {
    const bin = join(own(), "tools", "bin");
    expect(await readlink(join(bin, "tilt-live"))).toBe(join(own(), "buildpacks", "tilt-live", "0.1.0", "bin", "tilt-live"));
    expect(await readlink(join(bin, "rebuild"))).toBe("tilt-live");
    expect((await lstat(join(bin, "tilt-live-supervise"))).isSymbolicLink()).toBe(true);
  });

  it("logs that this is a development image, and times each step", async () => {
    expect(f.output.text).toContain("  This is a DEVELOPMENT image: it holds the app's source, toolchains and tilt-live's rebuild tools\n");
    expect(f.output.text.match(/\n {4}Completed in \d+(\.\d+)?s\n/g)?.length).toBeGreaterThanOrEqual(4);
    expect(f.output.text).toContain(`    web (default): ${join(f.layersRoot, "paketo-buildpacks_go-build", "targets", "bin", "app")}\n`);
  });
});

describe("the tilt-live build on a Go group with a real Go build cache", () => {
  it("carries only the cache entries this build used, and leaves go-build's cache layer whole for pack", async () => {
    const f = await lifecycleFixture();
    await writeFile(join(f.appDir, "main.go"), "package main\n");
    await runSource(f);
    await goBuildpackLayers(f);
    const cache = join(f.layersRoot, "paketo-buildpacks_go-build", "gocache");
    await writeFile(join(cache, "README"), "This directory holds cached build artifacts from the Go build system.\n");
    await mkdir(join(cache, "ab"));
    await writeFile(join(cache, "ab", "ab01-d"), "used by this build");
    await writeFile(join(cache, "ab", "ab02-d"), "restored from pack's cache, not used");
    // The lifecycle restores cache layers with their mtimes normalized to 1980-01-01 (go-cache-trim.ts).
    const normalized = Date.parse("1980-01-01T00:00:01Z") / 1000;
    await utimes(join(cache, "ab", "ab02-d"), normalized, normalized);
    await emptyAppDir(f);
    await runLive(f);
    const carried = join(f.layersRoot, "tilt-live", "carried", "paketo-buildpacks_go-build", "gocache");
    expect(await readdir(join(carried, "ab"))).toEqual(["ab01-d"]);
    expect((await readdir(join(cache, "ab"))).sort()).toEqual(["ab01-d", "ab02-d"]);
    expect(await readFile(join(carried, "00", "entry"), "utf8")).toBe("cached object");
    expect(f.output.text).toContain("Go build cache: kept the 1 entries this build used, left out 1 it did not (36 B)");
  });
});

describe("the tilt-live build's errors", () => {
  it("fails with empty-app-dir when the source is gone and tilt-live/source did not run", async () => {
    const f = await lifecycleFixture();
    await goBuildpackLayers(f);
    await expect(runLive(f)).rejects.toMatchObject({ code: "empty-app-dir" });
  });

  it("snapshots the app dir itself when tilt-live/source did not run and the source is intact", async () => {
    const f = await lifecycleFixture();
    await writeFile(join(f.appDir, "server.js"), "console.log('hi')");
    await runLive(f);
    expect(await readFile(join(f.layersRoot, "tilt-live", "src", "server.js"), "utf8")).toBe("console.log('hi')");
    expect(f.output.text).toContain("From the app directory (tilt-live/source did not run before the language buildpacks)");
  });

  it("names the file when group.toml is missing or malformed", async () => {
    const f = await lifecycleFixture();
    await writeFile(join(f.appDir, "x"), "x");
    await rm(join(f.layersRoot, "group.toml"));
    await expect(runLive(f)).rejects.toMatchObject({ code: "missing-file", details: { path: join(f.layersRoot, "group.toml") } });
    await writeFile(join(f.layersRoot, "group.toml"), "[[group]\nid=");
    const error = await runLive(f).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TiltLiveError);
    expect(error).toMatchObject({ code: "malformed-toml", details: { path: join(f.layersRoot, "group.toml") } });
  });

  it("names a malformed layer .toml of an earlier buildpack", async () => {
    const f = await lifecycleFixture();
    await goBuildpackLayers(f);
    await writeFile(join(f.appDir, "x"), "x");
    const bad = join(f.layersRoot, "paketo-buildpacks_go-dist", "go.toml");
    await writeFile(bad, "[types\nbuild = true");
    await expect(runLive(f)).rejects.toMatchObject({ code: "malformed-toml", details: { path: bad } });
  });
});
