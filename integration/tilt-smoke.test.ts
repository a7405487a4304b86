// Real Tilt, built offline by scripts/platform/tilt.sh: it reports the pinned version, and it evaluates a
// Tiltfile with a custom_build + live_update the way tilt-live's docs rely on (no Docker needed for this part).
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pinnedVersion } from "./harness/versions.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tiltScript = path.join(repoRoot, "scripts/platform/tilt.sh");

const tiltEnv = { TILT_DISABLE_ANALYTICS: "1", CI: "true" };

describe("tilt: offline build of the pinned version", () => {
  let tilt: string;
  let dir: string;

  beforeAll(async () => {
    // Cached after the first build (well under a second); a cold build takes minutes.
    const built = await execa("bash", [tiltScript, "tilt"], { all: true, reject: false, cwd: repoRoot });
    if (built.exitCode !== 0) throw new Error(`scripts/platform/tilt.sh tilt failed:\n${built.all}`);
    tilt = (await execa("bash", [tiltScript, "path"], { cwd: repoRoot })).stdout.trim();
    dir = await mkdtemp(path.join(os.tmpdir(), "tilt-smoke-"));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reports the version pinned in scripts/versions.env", async () => {
    const version = pinnedVersion("TILT_VERSION");
    const { stdout } = await execa(tilt, ["version"], { env: tiltEnv });
    // A release build (version ldflags): "v0.37.5, built 2026-07-02", not "v0.x.y-dev".
    expect(stdout.trim()).toMatch(new RegExp(`^v${version.replaceAll(".", "\\.")}, built \\d{4}-\\d{2}-\\d{2}$`));
  });

  it("evaluates a custom_build with live_update into a LiveUpdateSpec (tilt alpha tiltfile-result)", async () => {
    await mkdir(path.join(dir, "src"), { recursive: true });
    await writeFile(path.join(dir, "src/go.mod"), "module smoke\n");
    await writeFile(path.join(dir, "project.toml"), "");
    await writeFile(path.join(dir, "docker-compose.yml"), "services:\n  app:\n    image: tilt-smoke-app\n");
    await writeFile(
      path.join(dir, "Tiltfile"),
      [
        "docker_compose('docker-compose.yml')",
        "custom_build('tilt-smoke-app', 'docker tag base $EXPECTED_REF', deps=['./src', 'project.toml'],",
        "  disable_push=True,",
        "  live_update=[",
        "    initial_sync(),",
        "    fall_back_on(['project.toml']),",
        "    sync('./src', '/workspace'),",
        "    run(['/layers/tilt-live/tools/bin/rebuild', '--wait'], trigger=['./src/go.mod']),",
        "    run('echo shell form'),",
        "  ])",
        "",
      ].join("\n"),
    );
    const { stdout } = await execa(tilt, ["alpha", "tiltfile-result", "-f", "Tiltfile"], { cwd: dir, env: tiltEnv });
    const result = JSON.parse(stdout) as {
      Manifests: Array<{
        Name: string;
        ImageTargets: Array<{
          LiveUpdateName: string;
          CmdImageName: string;
          BuildDetails: { args: string[]; Deps: string[] };
          LiveUpdateSpec: {
            basePath: string;
            stopPaths: string[];
            syncs: Array<{ localPath: string; containerPath: string }>;
            execs: Array<{ args: string[]; triggerPaths: string[] | null }>;
            initialSync?: object;
          };
        }>;
      }>;
    };
    const manifest = result.Manifests[0]!;
    expect(manifest.Name).toBe("app");
    const target = manifest.ImageTargets[0]!;
    expect(target.LiveUpdateName).toBe("app:tilt-smoke-app");
    expect(target.BuildDetails.args).toEqual(["sh", "-c", "docker tag base $EXPECTED_REF"]);
    const spec = target.LiveUpdateSpec;
    expect(spec.basePath).toBe(dir);
    expect(spec.stopPaths).toEqual(["project.toml"]);
    expect(spec.syncs).toEqual([{ localPath: "src", containerPath: "/workspace" }]);
    expect(spec.execs).toEqual([
      { args: ["/layers/tilt-live/tools/bin/rebuild", "--wait"], triggerPaths: ["./src/go.mod"], echoOff: false },
      { args: ["sh", "-c", "echo shell form"], triggerPaths: null, echoOff: false },
    ]);
    expect(spec.initialSync).toEqual({});
  });
});
