// tilt-dev/tilt-extensions' `pack` extension, exactly as published (unpacked from the upstream bundle by
// scripts/platform/tilt.sh pack-extension, never committed), under real `tilt up` with Docker Compose, on a private
// copy of samples/go. The user's Tiltfile names tilt-live's buildpacks in `buildpacks=` and adds a live_update. The extension passes
// BP_LIVE_RELOAD_ENABLED=true (tilt-live/source stands in for watchexec), no --trust-builder (pack's untrusted
// five-phase flow) and no --run-image (the builder's run image has no gcc: CGO_ENABLED=0 keeps Go's cache valid).
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePlatform, randomName, repoRoot, Resources, type Platform } from "./harness/index.js";
import { LIVE_GROUPS, REBUILD, SYNC_TARGET } from "./harness/live.js";
import { failFast } from "./harness/suite.js";
import { ensureTilt, tiltEnv, type BuildRecord, type TiltfileResult } from "./harness/tilt.js";
import { dockerLines, freePort, getText, seconds, TiltSession } from "./harness/tilt-session.js";

/** The published extension, unpacked from the upstream bundle (sha256-checked) by scripts/platform/tilt.sh. */
async function stockPackExtension(): Promise<string> {
  const result = await execa("bash", [path.join(repoRoot, "scripts/platform/tilt.sh"), "pack-extension"], { all: true, reject: false });
  if (result.exitCode !== 0) throw new Error(`scripts/platform/tilt.sh pack-extension failed:\n${result.all ?? ""}`);
  return path.join(result.stdout.trim(), "pack", "Tiltfile");
}

describe.sequential("tilt up with the stock tilt-extensions pack extension and tilt-live's buildpacks (Docker Compose, samples/go)", () => {
  failFast();
  const resources = new Resources();
  const service = "web";
  let platform: Platform;
  let session: TiltSession;
  let dir: string;
  let app: string;
  let image: string;
  let project: string;
  let url: string;
  let baseline: BuildRecord;

  const edit = async (change: (text: string) => string): Promise<number> => {
    const file = path.join(app, "main.go");
    await writeFile(file, change(await readFile(file, "utf8")));
    return Date.now();
  };

  beforeAll(async () => {
    let tilt: string;
    [platform, tilt] = await Promise.all([ensurePlatform(), ensureTilt()]);
    dir = await mkdtemp(path.join(os.tmpdir(), "tilt-live-stock-pack-"));
    const extension = await stockPackExtension();
    app = path.join(dir, "app");
    await cp(path.join(repoRoot, "samples/go"), app, { recursive: true });
    image = resources.image(randomName("stock-pack"));
    project = randomName("stock");
    const appPort = await freePort();
    url = `http://127.0.0.1:${appPort}/`;
    await writeFile(
      path.join(app, "docker-compose.yml"),
      `services:\n  ${service}:\n    image: ${image}\n    ports: ["127.0.0.1:${appPort}:8080"]\n`,
    );
    // The README's form.
    await writeFile(
      path.join(app, "Tiltfile"),
      `load('${extension}', 'pack')\n\n` +
        `pack('${image}',\n` +
        `     builder='${platform.builder}',\n` +
        `     buildpacks=[${LIVE_GROUPS.go.map((bp) => `'${bp}'`).join(", ")}],\n` +
        `     env_vars=['CGO_ENABLED=0'],\n` +
        `     live_update=[sync('.', '${SYNC_TARGET}'), run(['${REBUILD}'])])\n` +
        `docker_compose('docker-compose.yml', project_name='${project}')\n`,
    );
    const env = tiltEnv([path.dirname(platform.pack)], { PACK_HOME: platform.packHome, PACK_VOLUME_KEY: platform.packVolumeKey });
    session = new TiltSession(tilt, env, app, await freePort(), service);
  });

  afterAll(async () => {
    const problems = session ? await session.stop(resources, image, project) : [];
    await resources.cleanup();
    await resources.assertNoLeaks();
    if (dir) await rm(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  });

  it("the extension as published builds with BP_LIVE_RELOAD_ENABLED=true, without --trust-builder or --run-image", async () => {
    const result = await execa(session.tilt, ["alpha", "tiltfile-result", "-f", path.join(app, "Tiltfile")], {
      cwd: app,
      env: session.env,
    });
    const manifests = (JSON.parse(result.stdout) as TiltfileResult).Manifests;
    const command = manifests
      .flatMap((m) => m.ImageTargets)
      .map((t) => t.BuildDetails.args.join(" "))
      .join("\n");
    expect(command).toContain("--env BP_LIVE_RELOAD_ENABLED=true");
    expect(command).toContain("--buildpack tilt-live/source");
    expect(command).not.toContain("--trust-builder");
    expect(command).not.toContain("--run-image");
  });

  it("deploys: the extension's pack build (BP_LIVE_RELOAD_ENABLED=true, untrusted builder) passes detect and GET answers v1", async () => {
    session.start();
    const started = Date.now();
    baseline = await session.nextBuild(undefined, 900_000);
    const logs = await session.logs();
    expect(baseline.error ?? "", logs).toBe("");
    expect(baseline.spanID).toMatch(/^build:\d+$/);
    await session.waitForAnswer(url, "v1\n", Date.now(), 60_000);
    console.log(`[stock-pack] first deploy (pack build through the extension + compose up): ${seconds(Date.now() - started)} s`);
    expect(logs).toContain("BP_LIVE_RELOAD_ENABLED=true: standing in for watchexec");
    // go-build's reload process is the default, run by the supervisor without watchexec.
    const ids = await dockerLines(["ps", "--quiet", "--filter", `label=com.docker.compose.project=${project}`]);
    expect(ids).toHaveLength(1);
    const top = await execa("docker", ["top", ids[0]!, "-o", "pid,args"]);
    expect(top.stdout).toContain("tilt-live-supervise reload-hello");
    expect(top.stdout).not.toMatch(/watchexec/);
  });

  it("live-updates edits of main.go in the running container", async () => {
    const times: number[] = [];
    for (const [from, to] of [
      ["v1", "v2"],
      ["v2", "v3"],
    ] as const) {
      const editedAt = await edit((text) => text.replace(`"${from}"`, `"${to}"`));
      times.push(await session.waitForAnswer(url, `${to}\n`, editedAt, 120_000));
      const record = await session.nextBuild(baseline, 60_000);
      expect(record.error ?? "").toBe("");
      expect(record.spanID).toBe(`liveupdate:${service}:${image}`);
      baseline = record;
    }
    console.log(`[stock-pack] edit of main.go → new response under real Tilt: ${times.map(seconds).join(" s, ")} s`);
  });

  it("a compile error fails the live update and the old app keeps serving", async () => {
    await edit((text) => text.replace('const message = "v3"', "const message = v4 +"));
    const failed = await session.nextBuild(baseline, 120_000);
    expect(failed.spanID).toBe(`liveupdate:${service}:${image}`);
    expect(failed.error).toMatch(/rebuild/);
    expect(await getText(url)).toBe("v3\n");
    baseline = failed;
  });
});
