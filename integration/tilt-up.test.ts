// Real `tilt up` with the tilt_live extension and Docker Compose on a private copy of samples/go: the first deploy
// is a pack build, an edit of main.go is a live update in the running container (Tilt's own state says so), an
// edit of project.toml (fall_back_on) is a new image. Prints edit → new response times. Leaves nothing behind.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePlatform, randomName, repoRoot, Resources, type Platform } from "./harness/index.js";
import { ensureTilt, tiltEnv, type BuildRecord } from "./harness/tilt.js";
import { dockerLines, freePort, getText, TiltSession } from "./harness/tilt-session.js";
import { failFast } from "./harness/suite.js";

describe.sequential("tilt up with the tilt_live extension (Docker Compose, samples/go)", () => {
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

  async function containerId(): Promise<string> {
    const ids = await dockerLines(["ps", "--all", "--filter", `label=com.docker.compose.project=${project}`, "--format", "{{.ID}}"]);
    expect(ids).toHaveLength(1);
    return ids[0]!;
  }

  async function edit(file: string, change: (text: string) => string): Promise<number> {
    const local = path.join(app, file);
    const before = await readFile(local, "utf8").catch(() => "");
    await writeFile(local, change(before));
    return Date.now();
  }

  beforeAll(async () => {
    let tilt: string;
    [platform, tilt] = await Promise.all([ensurePlatform(), ensureTilt()]);
    const env = tiltEnv([path.dirname(platform.pack)], { PACK_HOME: platform.packHome, PACK_VOLUME_KEY: platform.packVolumeKey });
    dir = await mkdtemp(path.join(os.tmpdir(), "tilt-live-up-"));
    app = path.join(dir, "app");
    await cp(path.join(repoRoot, "samples/go"), app, { recursive: true });
    image = resources.image(randomName("tilt-go"));
    project = randomName("tilt");
    session = new TiltSession(tilt, env, app, await freePort(), service);
    const appPort = await freePort();
    url = `http://127.0.0.1:${appPort}/`;
    await writeFile(
      path.join(app, "docker-compose.yml"),
      `services:\n  ${service}:\n    image: ${image}\n    ports: ["127.0.0.1:${appPort}:8080"]\n`,
    );
    // The README's example, plus --network none (the build needs nothing from outside this machine).
    await writeFile(
      path.join(app, "Tiltfile"),
      `load('${path.join(repoRoot, "tilt_live/Tiltfile")}', 'tilt_live')\n\n` +
        `tilt_live('${image}', run_image='tilt-live/stack-build:latest', pack_args=['--network', 'none'])\n` +
        `docker_compose('docker-compose.yml', project_name='${project}')\n`,
    );
  });

  afterAll(async () => {
    // `tilt down` has no --port: it reads the Tiltfile and removes the compose project's containers and network.
    const problems = session ? await session.stop(resources, image, project) : [];
    await resources.cleanup();
    await resources.assertNoLeaks();
    if (dir) await rm(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  });

  let baseline: BuildRecord;

  it("deploys a pack build with tilt-live: the first build is an image build and GET answers v1", async () => {
    session.start();
    const started = Date.now();
    baseline = await session.nextBuild(undefined, 900_000);
    expect(baseline.error ?? "", await session.logs()).toBe("");
    expect(baseline.spanID).toMatch(/^build:\d+$/);
    expect(await session.waitForAnswer(url, "v1\n", Date.now(), 60_000)).toBeGreaterThanOrEqual(0);
    console.log(`[tilt-up] first deploy (pack build + compose up): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const logs = await session.logs();
    expect(logs).toContain("Building Custom Build:");
    expect(logs).toContain("tilt-live 0.1.0");
  });

  const times: number[] = [];

  it("live-updates an edit of main.go in the running container (spanID liveupdate:, same container)", async () => {
    const before = await containerId();
    for (const [from, to] of [
      ["v1", "v2"],
      ["v2", "v3"],
      ["v3", "v4"],
    ] as const) {
      const editedAt = await edit("main.go", (text) => text.replace(`"${from}"`, `"${to}"`));
      times.push(await session.waitForAnswer(url, `${to}\n`, editedAt, 120_000));
      const record = await session.nextBuild(baseline, 60_000);
      expect(record.error ?? "").toBe("");
      expect(record.spanID).toBe(`liveupdate:${service}:${image}`);
      baseline = record;
    }
    expect(await containerId()).toBe(before);
    const logs = await session.logs();
    expect(logs).toMatch(/1 File Changed: \[main\.go\]/);
    expect(logs).toContain(`'${path.join(app, "main.go")}' --> '/layers/tilt-live/src/main.go'`);
    expect(logs).toContain("/layers/tilt-live/tools/bin/rebuild");
    expect(logs).toMatch(/Container \S+ updated!/);
    console.log(`[tilt-up] edit of main.go → new response under real Tilt: ${times.map((t) => (t / 1000).toFixed(2)).join(" s, ")} s`);
  });

  it("builds a new image when project.toml (fall_back_on) changes, then live-updates again", async () => {
    const before = await containerId();
    const editedAt = await edit("project.toml", () => '[_]\nschema-version = "0.2"\nid = "tilt-live-sample"\n');
    const record = await session.nextBuild(baseline, 900_000);
    const fallBackMs = Date.now() - editedAt;
    expect(record.error ?? "").toBe("");
    expect(record.spanID).toMatch(/^build:\d+$/);
    baseline = record;
    expect(await session.waitForAnswer(url, "v4\n", Date.now(), 60_000)).toBeGreaterThanOrEqual(0);
    expect(await containerId()).not.toBe(before);
    expect(await session.logs()).toContain(`UpdateStopped: Detected change to stop file "${path.join(app, "project.toml")}"`);

    const liveAt = await edit("main.go", (text) => text.replace('"v4"', '"v5"'));
    const ms = await session.waitForAnswer(url, "v5\n", liveAt, 120_000);
    const again = await session.nextBuild(baseline, 60_000);
    expect(again.spanID).toBe(`liveupdate:${service}:${image}`);
    baseline = again;
    console.log(
      `[tilt-up] edit of project.toml → new image deployed: ${(fallBackMs / 1000).toFixed(1)} s; ` +
        `live update after it: ${(ms / 1000).toFixed(2)} s`,
    );
  });

  it("reports a compile error as a failed live update, keeps serving, and recovers on the next edit", async () => {
    const before = await containerId();
    await edit("main.go", (text) => text.replace('const message = "v5"', "const message = v6 +"));
    const failed = await session.nextBuild(baseline, 120_000);
    expect(failed.spanID).toBe(`liveupdate:${service}:${image}`);
    expect(failed.error).toMatch(/rebuild/);
    expect((await session.uiResource()).status.updateStatus).toBe("error");
    expect(await getText(url)).toBe("v5\n");
    expect(await session.logs()).toMatch(/main\.go:\d+:\d+: syntax error/);
    baseline = failed;

    const fixedAt = await edit("main.go", (text) => text.replace("const message = v6 +", 'const message = "v6"'));
    await session.waitForAnswer(url, "v6\n", fixedAt, 120_000);
    const fixed = await session.nextBuild(baseline, 60_000);
    expect(fixed.spanID).toBe(`liveupdate:${service}:${image}`);
    expect(fixed.error ?? "").toBe("");
    expect(await containerId()).toBe(before);
  });
});
