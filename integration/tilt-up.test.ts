// Real `tilt up` with the tilt_live extension and Docker Compose on a private copy of samples/go: the first deploy
// is a pack build, an edit of main.go is a live update in the running container (Tilt's own state says so), an
// edit of project.toml (fall_back_on) is a new image. Prints edit → new response times. Leaves nothing behind.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePlatform, randomName, repoRoot, Resources, type Platform } from "./harness/index.js";
import { ensureTilt, tiltEnv, type BuildRecord, type UIResource } from "./harness/tilt.js";
import { failFast } from "./harness/suite.js";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function lines(argv: string[]): Promise<string[]> {
  const { stdout } = await execa("docker", argv);
  return stdout.split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

describe.sequential("tilt up with the tilt_live extension (Docker Compose, samples/go)", () => {
  failFast();
  const resources = new Resources();
  const service = "web";
  let platform: Platform;
  let tilt: string;
  let env: Record<string, string>;
  let dir: string;
  let app: string;
  let image: string;
  let project: string;
  let tiltPort: number;
  let url: string;
  let up: ResultPromise | undefined;
  let upLog = "";

  const tiltArgs = (): string[] => [`--port=${tiltPort}`];

  async function uiResource(): Promise<UIResource> {
    const { stdout } = await execa(tilt, ["get", ...tiltArgs(), "uiresource", service, "-o", "json"], { env });
    return JSON.parse(stdout) as UIResource;
  }

  async function tiltLogs(): Promise<string> {
    return (await execa(tilt, ["logs", ...tiltArgs()], { env, reject: false })).stdout;
  }

  /** Polls Tilt until a build newer than `after` (by startTime) is finished and recorded; returns it. */
  async function nextBuild(after: BuildRecord | undefined, timeoutMs: number): Promise<BuildRecord> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (up?.exitCode !== undefined && up.exitCode !== null) throw new Error(`tilt up exited:\n${upLog}`);
      try {
        const { status } = await uiResource();
        const newest = status.buildHistory?.[0];
        last = JSON.stringify(status);
        if (newest?.finishTime && newest.startTime !== after?.startTime && status.updateStatus !== "in_progress" &&
            status.updateStatus !== "pending") {
          return newest;
        }
      } catch (error) {
        last = String(error); // the apiserver is not up yet right after `tilt up` starts
      }
      await sleep(100);
    }
    throw new Error(`no new build within ${timeoutMs} ms; last status: ${last}\ntilt logs:\n${await tiltLogs()}`);
  }

  async function get(): Promise<string> {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return await response.text();
    } catch (error) {
      return String(error);
    }
  }

  /** Polls GET / until it answers `body`; returns the time from `since`. */
  async function waitForBody(body: string, since: number, timeoutMs: number): Promise<number> {
    let last = "";
    while (Date.now() - since < timeoutMs) {
      last = await get();
      if (last === body) return Date.now() - since;
      await sleep(50);
    }
    throw new Error(`GET ${url} never answered ${JSON.stringify(body)} (last ${JSON.stringify(last)})\n${await tiltLogs()}`);
  }

  async function containerId(): Promise<string> {
    const ids = await lines(["ps", "--all", "--filter", `label=com.docker.compose.project=${project}`, "--format", "{{.ID}}"]);
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
    [platform, tilt] = await Promise.all([ensurePlatform(), ensureTilt()]);
    env = tiltEnv([path.dirname(platform.pack)], { PACK_HOME: platform.packHome, PACK_VOLUME_KEY: platform.packVolumeKey });
    dir = await mkdtemp(path.join(os.tmpdir(), "tilt-live-up-"));
    app = path.join(dir, "app");
    await cp(path.join(repoRoot, "samples/go"), app, { recursive: true });
    image = resources.image(randomName("tilt-go"));
    project = randomName("tilt");
    tiltPort = await freePort();
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
    if (up) {
      up.kill("SIGTERM");
      await up.catch(() => undefined);
    }
    const problems: string[] = [];
    if (dir) {
      // `tilt down` has no --port: it reads the Tiltfile and removes the compose project's containers and network.
      const down = await execa(tilt, ["down"], { cwd: app, env, reject: false, all: true });
      if (down.exitCode !== 0) problems.push(`tilt down failed:\n${down.all}`);
      const left = await lines(["ps", "--all", "--quiet", "--filter", `label=com.docker.compose.project=${project}`]);
      if (left.length > 0) problems.push(`tilt down left containers: ${left.join(", ")}`);
    }
    // Tilt tags every build (<image>:tilt-<hash>) and never removes them; pack's caching tag too.
    if (image) {
      for (const ref of await lines(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", image])) resources.image(ref);
    }
    for (const id of project ? await lines(["ps", "--all", "--quiet", "--filter", `label=com.docker.compose.project=${project}`]) : []) {
      resources.container(id);
    }
    await resources.cleanup();
    if (project) {
      for (const network of await lines(["network", "ls", "--format", "{{.Name}}", "--filter", `name=${project}`])) {
        await execa("docker", ["network", "rm", network], { reject: false });
      }
      expect(await lines(["network", "ls", "--format", "{{.Name}}", "--filter", `name=${project}`])).toEqual([]);
      expect(await lines(["ps", "--all", "--quiet", "--filter", `label=com.docker.compose.project=${project}`])).toEqual([]);
    }
    if (image) expect(await lines(["image", "ls", "--quiet", image])).toEqual([]);
    await resources.assertNoLeaks();
    if (dir) await rm(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  });

  let baseline: BuildRecord;

  it("deploys a pack build with tilt-live: the first build is an image build and GET answers v1", async () => {
    up = execa(tilt, ["up", ...tiltArgs(), "--web-mode=prod"], { cwd: app, env, all: true, reject: false });
    up.all?.on("data", (chunk: Buffer) => (upLog += chunk.toString()));
    const started = Date.now();
    baseline = await nextBuild(undefined, 900_000);
    expect(baseline.error ?? "", await tiltLogs()).toBe("");
    expect(baseline.spanID).toMatch(/^build:\d+$/);
    expect(await waitForBody("v1\n", Date.now(), 60_000)).toBeGreaterThanOrEqual(0);
    console.log(`[tilt-up] first deploy (pack build + compose up): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const logs = await tiltLogs();
    expect(logs).toContain("Building Custom Build:");
    expect(logs).toContain("tilt-live 0.1.0");
  });

  const times: number[] = [];

  it("live-updates an edit of main.go in the running container (spanID liveupdate:, same container)", async () => {
    const before = await containerId();
    for (const [from, to] of [["v1", "v2"], ["v2", "v3"], ["v3", "v4"]] as const) {
      const editedAt = await edit("main.go", (text) => text.replace(`"${from}"`, `"${to}"`));
      times.push(await waitForBody(`${to}\n`, editedAt, 120_000));
      const record = await nextBuild(baseline, 60_000);
      expect(record.error ?? "").toBe("");
      expect(record.spanID).toBe(`liveupdate:${service}:${image}`);
      baseline = record;
    }
    expect(await containerId()).toBe(before);
    const logs = await tiltLogs();
    expect(logs).toMatch(/1 File Changed: \[main\.go\]/);
    expect(logs).toContain(`'${path.join(app, "main.go")}' --> '/layers/tilt-live/src/main.go'`);
    expect(logs).toContain("/layers/tilt-live/tools/bin/rebuild");
    expect(logs).toMatch(/Container \S+ updated!/);
    console.log(`[tilt-up] edit of main.go → new response under real Tilt: ${times.map((t) => (t / 1000).toFixed(2)).join(" s, ")} s`);
  });

  it("builds a new image when project.toml (fall_back_on) changes, then live-updates again", async () => {
    const before = await containerId();
    const editedAt = await edit("project.toml", () => '[_]\nschema-version = "0.2"\nid = "tilt-live-sample"\n');
    const record = await nextBuild(baseline, 900_000);
    const fallBackMs = Date.now() - editedAt;
    expect(record.error ?? "").toBe("");
    expect(record.spanID).toMatch(/^build:\d+$/);
    baseline = record;
    expect(await waitForBody("v4\n", Date.now(), 60_000)).toBeGreaterThanOrEqual(0);
    expect(await containerId()).not.toBe(before);
    expect(await tiltLogs()).toContain(`UpdateStopped: Detected change to stop file "${path.join(app, "project.toml")}"`);

    const liveAt = await edit("main.go", (text) => text.replace('"v4"', '"v5"'));
    const ms = await waitForBody("v5\n", liveAt, 120_000);
    const again = await nextBuild(baseline, 60_000);
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
    const failed = await nextBuild(baseline, 120_000);
    expect(failed.spanID).toBe(`liveupdate:${service}:${image}`);
    expect(failed.error).toMatch(/rebuild/);
    expect((await uiResource()).status.updateStatus).toBe("error");
    expect(await get()).toBe("v5\n");
    expect(await tiltLogs()).toMatch(/main\.go:\d+:\d+: syntax error/);
    baseline = failed;

    const fixedAt = await edit("main.go", (text) => text.replace("const message = v6 +", 'const message = "v6"'));
    await waitForBody("v6\n", fixedAt, 120_000);
    const fixed = await nextBuild(baseline, 60_000);
    expect(fixed.spanID).toBe(`liveupdate:${service}:${image}`);
    expect(fixed.error ?? "").toBe("");
    expect(await containerId()).toBe(before);
  });
});
