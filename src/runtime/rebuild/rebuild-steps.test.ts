import { chmod, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { readBuildInput } from "../../buildpack/inputs.js";
import { buildLive } from "../../buildpack/live.js";
import { buildSource } from "../../buildpack/source.js";
import { exists } from "../../fsutil/copy.js";
import { goBuildpackLayers, lifecycleFixture, type LifecycleFixture } from "../../testing/lifecycle-fixture.js";
import { createRebuild, IMAGE_BUILD_NEEDED_EXIT } from "./rebuild-steps.js";

/** What the exporter leaves in the image: launch layers only, no .toml files, no build-only layers. */
async function exportAsImage(f: LifecycleFixture) {
  for (const bp of await readdir(f.layersRoot)) {
    const dir = join(f.layersRoot, bp);
    if (!(await readdir(dir, { withFileTypes: true }).catch(() => null))) continue;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const keep = bp === "paketo-buildpacks_go-build" && entry.name === "targets";
      const ownLayer = bp === "tilt-live" && entry.isDirectory();
      if (!keep && !ownLayer) await rm(join(dir, entry.name), { recursive: true, force: true });
    }
  }
}

/**
 * The image build of tilt-live's part: tilt-live/source snapshots the app, `between` runs where the group's
 * language buildpacks would, tilt-live builds its layer, then the export drops what an image does not hold.
 */
async function buildImage(
  f: LifecycleFixture,
  { between = async () => {}, buildEnv = {} }: { between?: () => Promise<void>; buildEnv?: NodeJS.ProcessEnv } = {},
) {
  const src = { ...f.env("tilt-live/source", "0.1.0"), ...buildEnv };
  await mkdir(src.CNB_LAYERS_DIR!, { recursive: true });
  await buildSource(await readBuildInput(src, f.appDir, f.logger));
  await between();
  const live = f.env("tilt-live", "0.1.0");
  await mkdir(live.CNB_LAYERS_DIR!, { recursive: true });
  await buildLive(await readBuildInput(live, f.appDir, f.logger), {
    lifecyclePath: f.lifecyclePath,
    version: "0.1.0",
    uid: 1000,
    gid: 1000,
  });
  await exportAsImage(f);
}

/** Puts `script` where the rebuild finds the lifecycle carried in the image. */
async function replaceLifecycle(f: LifecycleFixture, script: string) {
  const lifecycle = join(f.layersRoot, "tilt-live", "lifecycle", "lifecycle");
  await writeFile(lifecycle, script);
  await chmod(lifecycle, 0o755);
}

/** A lifecycle stand-in for unit tests: records what it was given, then behaves as told by $FAKE_EXIT. */
async function fakeLifecycle(f: LifecycleFixture, exitCode: number) {
  const script = `#!/bin/sh
set -e
env | sort > "${f.root}/builder-env"
echo "$0" > "${f.root}/builder-argv0"
ls "$CNB_PLATFORM_DIR/env" > "${f.root}/builder-platform-env"
cat "$CNB_PLATFORM_DIR/env/BP_KEEP_FILES" > "${f.root}/builder-keep-files"
ls "$CNB_LAYERS_DIR/paketo-buildpacks_go-dist" > "${f.root}/builder-go-dist"
cp "$CNB_APP_DIR/main.go" "${f.root}/builder-saw-main.go" 2>/dev/null || true
cp "$CNB_GROUP_PATH" "${f.root}/builder-group.toml"
mkdir -p "$CNB_LAYERS_DIR/config" && echo "processes of the group it ran" > "$CNB_LAYERS_DIR/config/metadata.toml"
printf '[[processes]]\\ntype = "web"\\ncommand = ["/layers/go-build/targets/bin/web-v2"]\\ndefault = true\\n' > "$CNB_LAYERS_DIR/paketo-buildpacks_go-build/launch.toml"
echo "compiling..."
echo "main.go:3: syntax error" >&2
exit ${exitCode}
`;
  await replaceLifecycle(f, script);
}

describe("a rebuild in the running container", () => {
  let f: LifecycleFixture;
  let output: string;
  const collect = (text: string) => {
    output += text;
  };
  beforeEach(async () => {
    output = "";
    f = await lifecycleFixture();
    await writeFile(join(f.appDir, "main.go"), 'const message = "v1"');
    await writeFile(join(f.platformDir, "env", "BP_GO_TARGETS"), "./cmd/web");
    await buildImage(f, {
      between: async () => {
        await goBuildpackLayers(f);
        // go-build deletes the source; tilt-live's layer must hold it all the same.
        for (const name of await readdir(f.appDir)) await rm(join(f.appDir, name), { recursive: true });
      },
    });
    // Tilt syncs an edit into the snapshot.
    await writeFile(join(f.layersRoot, "tilt-live", "src", "main.go"), 'const message = "v2"');
  });

  const rebuild = () => createRebuild({ layersRoot: f.layersRoot, env: {}, tmpDir: f.root, uid: 1000 });

  it("mirrors the source, restores what the export dropped, and runs the builder with the recorded env", async () => {
    await fakeLifecycle(f, 0);
    await mkdir(join(f.layersRoot, "config"));
    await writeFile(join(f.layersRoot, "config", "metadata.toml"), "the image's, with the supervisor");
    const result = await rebuild()(collect);
    expect(result, output).toMatchObject({ ok: true, exitCode: 0 });
    // tilt-live's own buildpacks stay out of the group; the rebuild writes what they would have written.
    const group = await readFile(join(f.root, "builder-group.toml"), "utf8");
    expect(group).toContain("paketo-buildpacks/go-build");
    expect(group).not.toContain('"tilt-live');
    expect(await readFile(join(f.layersRoot, "config", "metadata.toml"), "utf8")).toBe("the image's, with the supervisor");
    const processes = JSON.parse(await readFile(join(f.layersRoot, "tilt-live", "meta", "processes.json"), "utf8"));
    expect(processes).toMatchObject([
      { type: "web", command: ["/layers/go-build/targets/bin/web-v2"], buildpackId: "paketo-buildpacks/go-build" },
    ]);
    expect(Object.keys(result.timings).sort()).toEqual(["build", "check", "mirror", "restore", "total", "validate"]);
    expect(await readFile(join(f.root, "builder-saw-main.go"), "utf8")).toBe('const message = "v2"');
    expect((await readFile(join(f.root, "builder-argv0"), "utf8")).trim()).toMatch(/\/builder$/);
    // The recorded variable, and go-build's BP_KEEP_FILES: the app dir keeps its source for the next mirror.
    expect((await readFile(join(f.root, "builder-platform-env"), "utf8")).trim().split("\n")).toEqual(["BP_GO_TARGETS", "BP_KEEP_FILES"]);
    expect(await readFile(join(f.root, "builder-keep-files"), "utf8")).toBe("*");
    expect((await readFile(join(f.root, "builder-go-dist"), "utf8")).split("\n")).toEqual(expect.arrayContaining(["go", "go.toml"]));
    const env = await readFile(join(f.root, "builder-env"), "utf8");
    expect(env).toContain("PATH=/usr/bin:/bin\n");
    expect(env).toContain(`CNB_GROUP_PATH=${join(f.root, "tilt-live", "group.toml")}\n`);
    expect(env).toContain(`CNB_BUILDPACKS_DIR=${join(f.layersRoot, "tilt-live", "buildpacks")}\n`);
    expect(env).toContain("CNB_PLATFORM_API=0.14\n");
    expect(await readFile(join(f.layersRoot, "paketo-buildpacks_go-build", "targets.toml"), "utf8")).toContain("launch = true");
    expect(await exists(join(f.layersRoot, "paketo-buildpacks_go-build", "gocache", "00", "entry"))).toBe(true);
    expect(output).toMatch(/^ {2}Mirrored the source \(\d+(\.\d+)?s\)$/m);
    expect(output).toContain("compiling...");
  });

  it("gives the builder the build-time env byte for byte: newlines, quotes, unicode; never an excluded secret", async () => {
    // Recorded at image build (tilt-live/source's recordEnv), restored by the rebuild's platform dir and env.
    const odd = 'line "one"\n  it\'s $HOME `two`\nünïcødé ✓ 🚀\n';
    const g = await lifecycleFixture();
    await writeFile(join(g.appDir, "main.go"), "package main");
    await writeFile(join(g.platformDir, "env", "ODD"), odd);
    await writeFile(join(g.platformDir, "env", "SECRET_TOKEN"), "hunter2");
    await writeFile(join(g.platformDir, "env", "BP_TILT_LIVE_ENV_EXCLUDE"), "SECRET_TOKEN,API_KEY");
    await buildImage(g, { buildEnv: { ODD_BUILD: odd, API_KEY: "k3y" }, between: () => goBuildpackLayers(g) });
    await replaceLifecycle(
      g,
      `#!/bin/sh\ncp -r "$CNB_PLATFORM_DIR/env" "${g.root}/seen-env"\nprintf '%s' "$ODD_BUILD" > "${g.root}/seen-odd-build"\nenv > "${g.root}/seen-process-env"\n`,
    );
    await writeFile(join(g.layersRoot, "tilt-live", "src", "main.go"), "package main // v2");
    const result = await createRebuild({ layersRoot: g.layersRoot, env: {}, tmpDir: g.root, uid: 1000 })(collect);
    expect(result.ok, output).toBe(true);
    expect(await readFile(join(g.root, "seen-env", "ODD"), "utf8")).toBe(odd);
    expect(await readFile(join(g.root, "seen-odd-build"), "utf8")).toBe(odd);
    expect(await readdir(join(g.root, "seen-env"))).not.toContain("SECRET_TOKEN");
    const processEnv = await readFile(join(g.root, "seen-process-env"), "utf8");
    expect(processEnv).not.toContain("API_KEY");
    expect(processEnv).not.toContain("hunter2");
  });

  it("gives the build its recorded bindings back under <platform>/bindings", async () => {
    const g = await lifecycleFixture();
    await writeFile(join(g.appDir, "main.go"), "package main");
    await mkdir(join(g.platformDir, "bindings", "maven"), { recursive: true });
    await writeFile(join(g.platformDir, "bindings", "maven", "type"), "maven");
    await writeFile(join(g.platformDir, "bindings", "maven", "settings.xml"), "<settings/>");
    await buildImage(g);
    await replaceLifecycle(g, `#!/bin/sh\ncp -r "$CNB_PLATFORM_DIR/bindings" "${g.root}/seen-bindings"\n`);
    // A change go-build reads: without one, the rebuild only restarts and runs no build phase.
    await writeFile(join(g.layersRoot, "tilt-live", "src", "main.go"), "package main // v2");
    const result = await createRebuild({ layersRoot: g.layersRoot, env: {}, tmpDir: g.root, uid: 1000 })(collect);
    expect(result.ok, output).toBe(true);
    expect(await readFile(join(g.root, "seen-bindings", "maven", "settings.xml"), "utf8")).toBe("<settings/>");
    expect(await readFile(join(g.root, "seen-bindings", "maven", "type"), "utf8")).toBe("maven");
  });

  it("stops before the build on a syntax error in a changed script", async () => {
    await fakeLifecycle(f, 0);
    await writeFile(join(f.layersRoot, "tilt-live", "src", "server.js"), "function (\n");
    const result = await createRebuild({ layersRoot: f.layersRoot, env: process.env, tmpDir: f.root, uid: 1000 })(collect);
    expect(result).toMatchObject({ ok: false, exitCode: 1 });
    expect(output).toContain("SyntaxError");
    expect(output).toContain("ERROR: Rebuild stopped: syntax error in server.js");
    expect(await exists(join(f.root, "builder-env"))).toBe(false);
  });

  it("reports a failed build with its output and a non-zero exit", async () => {
    await fakeLifecycle(f, 1);
    const result = await rebuild()(collect);
    expect(result).toMatchObject({ ok: false, exitCode: 1 });
    expect(output).toContain("main.go:3: syntax error");
    expect(output).toContain("ERROR: Rebuild failed: the build phase exited with status 1");
  });

  it("takes the restart path for files no buildpack reads: no build phase, one line saying why", async () => {
    await fakeLifecycle(f, 0);
    const build = rebuild();
    expect(await build(collect)).toMatchObject({ ok: true, action: "rebuild" });
    expect(output).toContain("  Change set: rebuild (main.go is source for go-build, which compiles the app)\n");
    await rm(join(f.root, "builder-env"));
    // Recorded at image build like any BP_* variable: the user's restart-only globs.
    await writeFile(join(f.layersRoot, "tilt-live", "meta", "platform-env", "BP_TILT_LIVE_RESTART_ONLY"), "*.md");
    await writeFile(join(f.layersRoot, "tilt-live", "src", "README.md"), "docs");
    const result = await build(collect);
    expect(result).toMatchObject({ ok: true, exitCode: 0, action: "restart" });
    expect(Object.keys(result.timings).sort()).toEqual(["check", "mirror", "total", "validate"]);
    expect(output).toContain("  Change set: restart only (README.md is read by no build step of go-dist, go-build)\n");
    expect(await readFile(join(f.appDir, "README.md"), "utf8")).toBe("docs");
    expect(await exists(join(f.root, "builder-env"))).toBe(false);
  });

  it("keeps what the app wrote into the app dir through a restart, a rebuild and a failed one; --clean removes it", async () => {
    await fakeLifecycle(f, 0);
    await writeFile(join(f.layersRoot, "tilt-live", "meta", "platform-env", "BP_TILT_LIVE_RESTART_ONLY"), "*.md");
    const src = join(f.layersRoot, "tilt-live", "src");
    const build = rebuild();
    expect(await build(collect)).toMatchObject({ ok: true, action: "rebuild" });
    // The running app writes a database and uploads into its working dir.
    await writeFile(join(f.appDir, "app.db"), "rows");
    await mkdir(join(f.appDir, "uploads"));
    await writeFile(join(f.appDir, "uploads", "a.png"), "png");
    const appWritten = async () => [
      await readFile(join(f.appDir, "app.db"), "utf8"),
      await readFile(join(f.appDir, "uploads", "a.png"), "utf8"),
    ];

    output = "";
    await writeFile(join(src, "README.md"), "docs");
    expect(await build(collect)).toMatchObject({ ok: true, action: "restart" });
    expect(output).toContain("  Change set: restart only (README.md is read by no build step of go-dist, go-build)\n");
    expect(output).toContain("    1 copied, 0 deleted, 1 unchanged, 2 not from the source left alone\n");
    expect(await appWritten()).toEqual(["rows", "png"]);

    await writeFile(join(src, "main.go"), 'const message = "v3"');
    expect(await build(collect)).toMatchObject({ ok: true, action: "rebuild" });
    expect(await appWritten()).toEqual(["rows", "png"]);

    await fakeLifecycle(f, 1);
    await writeFile(join(src, "main.go"), 'const message = "v4"');
    expect(await build(collect)).toMatchObject({ ok: false, action: "rebuild" });
    expect(await appWritten()).toEqual(["rows", "png"]);

    // A deletion in the source still reaches the app dir, and is the change set.
    await fakeLifecycle(f, 0);
    await rm(join(src, "README.md"));
    output = "";
    expect(await build(collect)).toMatchObject({ ok: true, action: "rebuild" });
    expect(await exists(join(f.appDir, "README.md"))).toBe(false);
    expect(output).toContain("    0 copied, 1 deleted, 1 unchanged, 2 not from the source left alone\n");

    output = "";
    expect(await build(collect, { clean: true })).toMatchObject({ ok: true, action: "rebuild" });
    expect(output).toContain("  Change set: rebuild (--clean: the app dir is now an exact copy of the source)\n");
    expect((await readdir(f.appDir)).sort()).toEqual(["main.go"]);
  });

  it("tells the user's deletions from generated files in a new process and in a new container", async () => {
    await fakeLifecycle(f, 0);
    const src = join(f.layersRoot, "tilt-live", "src");
    // The first rebuild of a container starts from the build's index: main.go was in the image's source.
    await rm(join(src, "main.go"));
    await writeFile(join(src, "server.go"), "package main");
    await writeFile(join(f.appDir, "main.go"), "as the image had it");
    await writeFile(join(f.appDir, "generated.txt"), "written by a buildpack");
    output = "";
    expect(await rebuild()(collect)).toMatchObject({ ok: true });
    expect((await readdir(f.appDir)).sort()).toEqual(["generated.txt", "server.go"]);
    expect(output).toContain("    1 copied, 1 deleted, 0 unchanged, 1 not from the source left alone\n");

    // A standalone `rebuild` is a new process each time: it goes on from the index the last mirror left.
    await writeFile(join(src, "notes.txt"), "added after the image build");
    expect(await rebuild()(collect)).toMatchObject({ ok: true });
    expect(await exists(join(f.appDir, "notes.txt"))).toBe(true);
    await rm(join(src, "notes.txt"));
    expect(await rebuild()(collect)).toMatchObject({ ok: true });
    expect((await readdir(f.appDir)).sort()).toEqual(["generated.txt", "server.go"]);
  });

  it("names a missing source index instead of guessing what to delete", async () => {
    await fakeLifecycle(f, 0);
    const path = join(f.layersRoot, "tilt-live", "meta", "source-index.json");
    await rm(path);
    const result = await rebuild()(collect);
    expect(result.ok).toBe(false);
    expect(output).toContain("ERROR: The image holds no index of the source it was built from");
    expect(output).toContain(path);
    expect(await readdir(f.appDir)).toEqual([]);
  });

  it("exits with status 3 for a change only a new image can take, and says so again on the next call", async () => {
    await fakeLifecycle(f, 0);
    const build = rebuild();
    await writeFile(join(f.layersRoot, "tilt-live", "src", "project.toml"), "[_]\n");
    for (let i = 0; i < 2; i++) {
      expect(await build(collect)).toMatchObject({ ok: false, exitCode: IMAGE_BUILD_NEEDED_EXIT, action: "image" });
      expect(output).toContain(
        "Change set: full image build needed (project.toml is read only by the image build: it can change the group",
      );
      expect(output).toContain("ERROR: Only a new image can take this change");
    }
    expect(IMAGE_BUILD_NEEDED_EXIT).toBe(3);
    expect(await exists(join(f.root, "builder-env"))).toBe(false);
  });

  it("keeps the change set of a failed build for the next rebuild", async () => {
    await fakeLifecycle(f, 1);
    const build = rebuild();
    expect((await build(collect)).ok).toBe(false);
    await fakeLifecycle(f, 0);
    output = "";
    expect(await build(collect)).toMatchObject({ ok: true, action: "rebuild" });
    expect(output).toContain("Change set: rebuild (main.go is source for go-build");
  });

  it("says the builder was killed (not that the source is wrong) when a signal ended it", async () => {
    await replaceLifecycle(f, "#!/bin/sh\necho compiling...\nkill -KILL $$\n");
    const result = await rebuild()(collect);
    expect(result.ok).toBe(false);
    expect(output).toContain("ERROR: Rebuild failed: the lifecycle builder was killed by SIGKILL");
    expect(output).not.toContain("Fix the error in your source");
  });

  it("refuses to run as root or as another user than the build's", async () => {
    await fakeLifecycle(f, 0);
    const asRoot = await createRebuild({ layersRoot: f.layersRoot, env: {}, tmpDir: f.root, uid: 0 })(collect);
    expect(asRoot.ok).toBe(false);
    expect(output).toContain("ERROR: rebuild cannot run as root");
    const other = await createRebuild({ layersRoot: f.layersRoot, env: {}, tmpDir: f.root, uid: 1002 })(collect);
    expect(other.ok).toBe(false);
    expect(output).toContain("ERROR: rebuild runs as uid 1002, but the image was built by uid 1000");
  });

  it.each([
    ["group.toml", "[[group]\nid = "],
    ["plan.toml", "entries = ["],
    ["buildpacks/paketo-buildpacks_go-dist/layers/go.toml", "launch = true"],
  ])("names a tampered %s and leaves the app dir alone", async (file, content) => {
    await fakeLifecycle(f, 0);
    const path = join(f.layersRoot, "tilt-live", "meta", file);
    await writeFile(path, content);
    const result = await rebuild()(collect);
    expect(result.ok).toBe(false);
    expect(output).toContain(path);
    expect(await readdir(f.appDir)).toEqual([]);
    expect(await exists(join(f.root, "builder-env"))).toBe(false);
  });

  it.each([
    ["context.json", "{not json", "has unexpected content: not valid JSON"],
    ["context.json", "[]", "has unexpected content: expected a JSON object"],
    [
      "context.json",
      JSON.stringify({ version: "0.1.0" }),
      'has unexpected content: field "layersRoot" must be an absolute path, got nothing',
    ],
    ["build-env.json", "{not json", "has unexpected content: not valid JSON"],
    ["build-env.json", '{"PATH": 1}', "has unexpected content: expected an object of variable names to string values"],
  ])("names a tampered %s (%s) and leaves the app dir alone", async (file, content, message) => {
    await fakeLifecycle(f, 0);
    const path = join(f.layersRoot, "tilt-live", "meta", file);
    await writeFile(path, content);
    const result = await rebuild()(collect);
    expect(result.ok).toBe(false);
    expect(output).toContain(`ERROR: ${path} ${message}`);
    expect(await readdir(f.appDir)).toEqual([]);
    expect(await exists(join(f.root, "builder-env"))).toBe(false);
  });

  it("checks every field of context.json", async () => {
    const path = join(f.layersRoot, "tilt-live", "meta", "context.json");
    const good = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    for (const [field, bad] of Object.entries({
      version: 1,
      appDir: "relative",
      platformApi: null,
      buildUid: -1,
      buildGid: 1.5,
      watch: "yes",
      watchDebounceMs: 0,
      watchIgnore: [1],
      stopTimeoutSeconds: "10",
      readyTimeoutSeconds: -5,
    })) {
      output = "";
      await writeFile(path, JSON.stringify({ ...good, [field]: bad }));
      expect((await rebuild()(collect)).ok, field).toBe(false);
      expect(output, field).toContain(`has unexpected content: field "${field}" must be`);
    }
  });

  it("names CNB_LAYERS_DIR when the tools look for the layers elsewhere than the build put them", async () => {
    await fakeLifecycle(f, 0);
    const path = join(f.layersRoot, "tilt-live", "meta", "context.json");
    const ctx = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...ctx, layersRoot: "/layers" }));
    const result = await rebuild()(collect);
    expect(result.ok).toBe(false);
    expect(output).toContain(`ERROR: The layers are expected at ${f.layersRoot}, but the image was built with them at /layers`);
    expect(output).toContain("  Fix: Set CNB_LAYERS_DIR to /layers (or leave it unset when that is /layers).");
    expect(await readdir(f.appDir)).toEqual([]);
  });

  it("names tampered metadata and leaves the app dir alone", async () => {
    await fakeLifecycle(f, 0);
    await writeFile(join(f.layersRoot, "tilt-live", "meta", "context.json"), "{not json");
    const result = await rebuild()(collect);
    expect(result.ok).toBe(false);
    expect(output).toContain(`${join(f.layersRoot, "tilt-live", "meta", "context.json")} has unexpected content: not valid JSON`);
    expect(await readdir(f.appDir)).toEqual([]);
  });
});
