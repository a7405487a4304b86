// tilt_live/Tiltfile under real Tilt (tilt alpha tiltfile-result: no Docker): what the extension hands Tilt, loaded
// by path and as an extension repo (file:// url).
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./harness/index.js";
import { ensureTilt, tiltEnv, type TiltfileResult } from "./harness/tilt.js";

const extension = path.join(repoRoot, "tilt_live/Tiltfile");

describe("tilt_live extension: tiltfile-result", () => {
  let tilt: string;
  let dir: string;
  let app: string;

  beforeAll(async () => {
    tilt = await ensureTilt();
    dir = await mkdtemp(path.join(os.tmpdir(), "tilt-live-ext-"));
    app = path.join(dir, "app");
    await cp(path.join(repoRoot, "samples/go"), app, { recursive: true });
    await writeFile(path.join(app, "docker-compose.yml"), "services:\n  web:\n    image: tilt-live-ext-web\n");
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function evaluate(tiltfile: string): Promise<TiltfileResult["Manifests"][number]> {
    await writeFile(path.join(app, "Tiltfile"), tiltfile);
    // From another directory: relative paths must resolve against the Tiltfile's directory.
    const result = await execa(tilt, ["alpha", "tiltfile-result", "-f", path.join(app, "Tiltfile")], {
      cwd: dir,
      env: tiltEnv(),
      reject: false,
      all: true,
    });
    if (result.exitCode !== 0) throw new Error(`tiltfile-result failed:\n${result.all}`);
    const parsed = JSON.parse(result.stdout) as TiltfileResult;
    expect(parsed.Manifests).toHaveLength(1);
    return parsed.Manifests[0]!;
  }

  it("loaded by path, with the builder's order: pre/post-buildpacks, sync, argv rebuild, fall_back_on", async () => {
    const manifest = await evaluate(
      `load('${extension}', 'tilt_live')\n` +
        "tilt_live('tilt-live-ext-web', run_image='tilt-live/stack-build:latest')\n" +
        "docker_compose('docker-compose.yml')\n",
    );
    expect(manifest.Name).toBe("web");
    const target = manifest.ImageTargets[0]!;
    expect(target.LiveUpdateName).toBe("web:tilt-live-ext-web");
    expect(target.LiveUpdateSpec).toEqual({
      basePath: app,
      selector: {},
      stopPaths: ["project.toml"],
      syncs: [{ localPath: ".", containerPath: "/layers/tilt-live/src" }],
      execs: [{ args: ["/layers/tilt-live/tools/bin/rebuild"], triggerPaths: null, echoOff: false }],
    });
    expect(target.BuildDetails.Deps).toEqual([app]);
    expect(target.BuildDetails.args.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(target.BuildDetails.args[2]).toBe(
      `'pack' 'build' 'tilt-live-ext-web:tilt-build-pack-caching' '--path' '${app}' ` +
        "'--builder' 'tilt-live/builder-go:latest' '--pull-policy' 'never' '--trust-builder' '--docker-host' 'inherit' " +
        "'--run-image' 'tilt-live/stack-build:latest' '--pre-buildpack' 'tilt-live/source' '--post-buildpack' 'tilt-live' " +
        "'--env' 'BP_TILT_LIVE_ENABLED=true' && docker tag 'tilt-live-ext-web:tilt-build-pack-caching' \"$EXPECTED_REF\"",
    );
  });

  it("loaded as an extension repo (file:// url): explicit group, env, ignore, fall_back_on_files, initial_sync", async () => {
    const manifest = await evaluate(
      `v1alpha1.extension_repo(name='tilt-live', url='file://${repoRoot}')\n` +
        "v1alpha1.extension(name='tilt_live', repo_name='tilt-live', repo_path='tilt_live')\n" +
        "load('ext://tilt_live', 'tilt_live')\n" +
        "tilt_live('tilt-live-ext-web:dev', path='.', pack='/opt/pack',\n" +
        "          buildpacks=['paketo-buildpacks/go-dist', 'paketo-buildpacks/go-build'],\n" +
        "          env={'BP_LOG_LEVEL': 'DEBUG', 'QUOTED': \"it's\", 'BP_TILT_LIVE_IMAGE_BUILD': 'Dockerfile.dev,*.lock'}, ignore=['*.tmp'], fall_back_on_files=['go.mod'],\n" +
        "          initial_sync=True, pack_args=['--network', 'none'])\n" +
        "docker_compose('docker-compose.yml')\n",
    );
    const target = manifest.ImageTargets[0]!;
    const spec = target.LiveUpdateSpec;
    expect(spec.initialSync).toEqual({});
    // BP_TILT_LIVE_IMAGE_BUILD's plain paths fall back too (rebuild would exit 3 for them); globs cannot.
    expect(spec.stopPaths).toEqual(["project.toml", "Dockerfile.dev", "go.mod"]);
    expect(spec.syncs).toEqual([{ localPath: ".", containerPath: "/layers/tilt-live/src" }]);
    expect(spec.execs).toEqual([{ args: ["/layers/tilt-live/tools/bin/rebuild"], triggerPaths: null, echoOff: false }]);
    const command = target.BuildDetails.args[2]!;
    expect(command).toMatch(/^'\/opt\/pack' 'build' 'tilt-live-ext-web:tilt-build-pack-caching' /);
    expect(command).toContain("'--pull-policy' 'never' '--trust-builder' '--docker-host' 'inherit'");
    expect(command).toContain(
      "'--buildpack' 'tilt-live/source' '--buildpack' 'paketo-buildpacks/go-dist' " +
        "'--buildpack' 'paketo-buildpacks/go-build' '--buildpack' 'tilt-live'",
    );
    expect(command).not.toContain("--pre-buildpack");
    expect(command).not.toContain("--run-image");
    expect(command).toContain(
      "'--env' 'BP_LOG_LEVEL=DEBUG' '--env' 'BP_TILT_LIVE_ENABLED=true' '--env' 'BP_TILT_LIVE_IMAGE_BUILD=Dockerfile.dev,*.lock' '--env' 'QUOTED=it'\"'\"'s' '--network' 'none' && ",
    );
    // The shell gives pack the value unquoted.
    const echoed = await execa("sh", ["-c", command.replace(/^'\/opt\/pack'/, "printf '%s\\n'").replace(/ && .*$/, "")]);
    expect(echoed.stdout.split("\n")).toContain("QUOTED=it's");
    expect(target.BuildDetails.Deps).toEqual([app]);
    // ignore= reaches the file watch: neither watched nor synced.
    expect(target.FileWatchIgnores).toContainEqual({ basePath: app, patterns: ["*.tmp"] });
  });

  it("with meta_buildpack: pack gets the package alone, pulled once (if-not-present), instead of the group around tilt-live", async () => {
    const manifest = await evaluate(
      `load('${extension}', 'tilt_live')\n` +
        "tilt_live('tilt-live-ext-web', run_image='tilt-live/stack-build:latest', buildpacks=['paketo-buildpacks/go-build'],\n" +
        "          meta_buildpack='docker://127.0.0.1:5000/tilt-live:0.2.0')\n" +
        "docker_compose('docker-compose.yml')\n",
    );
    expect(manifest.ImageTargets[0]!.BuildDetails.args[2]).toBe(
      `'pack' 'build' 'tilt-live-ext-web:tilt-build-pack-caching' '--path' '${app}' ` +
        "'--builder' 'tilt-live/builder-go:latest' '--pull-policy' 'if-not-present' '--trust-builder' '--docker-host' 'inherit' " +
        "'--run-image' 'tilt-live/stack-build:latest' '--buildpack' 'docker://127.0.0.1:5000/tilt-live:0.2.0' " +
        "'--env' 'BP_TILT_LIVE_ENABLED=true' && docker tag 'tilt-live-ext-web:tilt-build-pack-caching' \"$EXPECTED_REF\"",
    );
  });

  it("lets the caller turn tilt-live off, add deps outside the app, and name an image with a registry port", async () => {
    await writeFile(path.join(app, "docker-compose.yml"), "services:\n  web:\n    image: localhost:5000/tilt-live-ext-web\n");
    const manifest = await evaluate(
      `load('${extension}', 'tilt_live')\n` +
        "tilt_live('localhost:5000/tilt-live-ext-web', env={'BP_TILT_LIVE_ENABLED': 'false'}, deps=['../shared'])\n" +
        "docker_compose('docker-compose.yml')\n",
    );
    const target = manifest.ImageTargets[0]!;
    // A registry port is not a tag.
    expect(target.BuildDetails.args[2]).toContain("'build' 'localhost:5000/tilt-live-ext-web:tilt-build-pack-caching'");
    expect(target.BuildDetails.args[2]).toContain("'--env' 'BP_TILT_LIVE_ENABLED=false'");
    expect(target.BuildDetails.args[2]).not.toContain("BP_TILT_LIVE_ENABLED=true");
    expect(target.BuildDetails.Deps).toEqual([app, path.join(dir, "shared")]);
  });
});
