// `docker compose watch` (Compose v2, built by scripts/platform/tilt.sh) on a tilt-live dev image of samples/go:
// `develop.watch` with `action: sync+exec` copies changed files into the sync target and runs the rebuild tool by
// argv. The README's compose file (log rotation included), with what this engine needs: `user:` as the image's numeric build uid (Docker
// 20.10 resolves the container user for the copy against the host's passwd, which knows no `cnb`, and looks up
// "1000:1000" as one name). Checks: edit → new response, one save of several files (Compose runs one exec per changed
// path, in parallel) → the supervisor's queue serves every call, a compile error keeps the old app serving.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerLogs, packBuild, randomName, repoRoot } from "./harness/index.js";
import { liveBuildArgs, REBUILD, SYNC_TARGET } from "./harness/live.js";
import { liveSuite } from "./harness/suite.js";
import { dockerLines, freePort, getText, seconds, waitForAnswer } from "./harness/tilt-session.js";

async function composeConfigDir(): Promise<string> {
  const tiltScript = path.join(repoRoot, "scripts/platform/tilt.sh");
  const built = await execa("bash", [tiltScript, "compose-v2"], { all: true, reject: false, cwd: repoRoot });
  if (built.exitCode !== 0) throw new Error(`scripts/platform/tilt.sh compose-v2 failed:\n${built.all ?? ""}`);
  return (await execa("bash", [tiltScript, "compose-v2-config"], { cwd: repoRoot })).stdout.trim();
}

describe("docker compose watch with sync+exec on a tilt-live image (samples/go)", () => {
  const suite = liveSuite("samples/go");
  const service = "web";
  let env: Record<string, string>;
  let project: string;
  let url: string;
  let watch: ResultPromise | undefined;
  let watchLog = "";

  const compose = (args: string[]) =>
    execa("docker", ["compose", "--project-name", project, "--project-directory", suite.app, ...args], { env, all: true, reject: false });

  const edit = async (file: string, change: (text: string) => string): Promise<number> => {
    const local = path.join(suite.app, file);
    await mkdir(path.dirname(local), { recursive: true });
    await writeFile(local, change(await readFile(local, "utf8").catch(() => "")));
    return Date.now();
  };

  async function container(): Promise<string> {
    const ids = await dockerLines(["ps", "--quiet", "--filter", `label=com.docker.compose.project=${project}`]);
    expect(ids).toHaveLength(1);
    return ids[0]!;
  }

  const rebuildsStarted = (logs: string) => (logs.match(/\[tilt-live\] rebuild #\d+ started/g) ?? []).length;
  // Ended: succeeded or failed (a restart-only one says so first), or built but the app did not start.
  const buildsRunning = (logs: string) =>
    rebuildsStarted(logs) - (logs.match(/\[tilt-live\] rebuild #\d+( \(restart only\))? (succeeded|failed|built in)/g) ?? []).length;
  const rebuildsDone = async (): Promise<number> =>
    ((await containerLogs(await container())).match(/\[tilt-live\] rebuild #\d+ (succeeded|failed)/g) ?? []).length;

  beforeAll(async () => {
    const config = await composeConfigDir();
    env = { ...(process.env as Record<string, string>), DOCKER_CONFIG: config };
    const image = randomName("compose-go");
    await packBuild(suite.platform, suite.resources, { image, path: suite.app, args: liveBuildArgs(suite.platform) });
    const { stdout: cnbUser } = await execa("docker", ["run", "--rm", "--entrypoint", "id", image, "-u"]);
    const host = await execa("getent", ["passwd", cnbUser.trim()], { reject: false });
    expect(host.exitCode, `the host's passwd has no uid ${cnbUser}: Docker 20.10 cannot copy files for compose watch (see README)`).toBe(0);
    project = randomName("compose");
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    await writeFile(
      path.join(suite.app, "compose.yaml"),
      `services:\n` +
        `  ${service}:\n` +
        `    image: ${image}\n` +
        `    pull_policy: never\n` +
        `    user: "${cnbUser.trim()}"\n` +
        `    ports: ["127.0.0.1:${port}:8080"]\n` +
        `    logging:\n` +
        `      driver: json-file\n` +
        `      options: { max-size: "10m", max-file: "3" }\n` +
        `    develop:\n` +
        `      watch:\n` +
        `        - path: .\n` +
        `          action: sync+exec\n` +
        `          target: ${SYNC_TARGET}\n` +
        `          ignore: [compose.yaml]\n` +
        `          exec:\n` +
        `            command: ["${REBUILD}"]\n`,
    );
  });

  afterAll(async () => {
    if (watch) {
      watch.kill("SIGINT");
      await Promise.race([watch.catch(() => undefined), sleep(15_000)]);
      watch.kill("SIGKILL");
    }
    if (project) {
      const down = await compose(["down", "--timeout", "5"]);
      expect(down.exitCode, down.all).toBe(0);
      expect(await dockerLines(["ps", "--all", "--quiet", "--filter", `label=com.docker.compose.project=${project}`])).toEqual([]);
      expect(await dockerLines(["network", "ls", "--quiet", "--filter", `name=${project}`])).toEqual([]);
    }
    await suite.resources.cleanup();
    await suite.resources.assertNoLeaks();
    await rm(path.dirname(suite.app), { recursive: true, force: true });
  });

  it("starts the service and watches: GET answers v1", async () => {
    watch = compose(["--file", path.join(suite.app, "compose.yaml"), "watch"]);
    watch.all?.on("data", (chunk: Buffer) => (watchLog += chunk.toString()));
    await waitForAnswer(url, "v1\n", Date.now(), 120_000, async () => watchLog);
    // Compose starts watching after the service is up; give it a moment to register the file watches.
    const deadline = Date.now() + 30_000;
    while (!/Watch (enabled|configuration)/i.test(watchLog) && Date.now() < deadline) await sleep(100);
    expect(watchLog).toMatch(/Watch (enabled|configuration)/i);
  });

  it("an edit of main.go is synced, rebuilt and served in the same container", async () => {
    const before = await container();
    const times: number[] = [];
    for (const [from, to] of [
      ["v1", "v2"],
      ["v2", "v3"],
    ] as const) {
      const editedAt = await edit("main.go", (text) => text.replace(`"${from}"`, `"${to}"`));
      times.push(await waitForAnswer(url, `${to}\n`, editedAt, 120_000, async () => watchLog));
    }
    expect(await container()).toBe(before);
    // The README's logging options reach Docker: the container's log is rotated, not kept whole.
    const logConfig = JSON.parse((await execa("docker", ["inspect", "--format", "{{json .HostConfig.LogConfig}}", before])).stdout);
    expect(logConfig).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } });
    console.log(`[compose-watch] edit of main.go → new response: ${times.map(seconds).join(" s, ")} s`);
  });

  it("one save of several files (one exec per path, in parallel) is served by the supervisor's queue without an error", async () => {
    const doneBefore = await rebuildsDone();
    const startedBefore = rebuildsStarted(await containerLogs(await container()));
    const buildsSince = (logs: string) => rebuildsStarted(logs) - startedBefore;
    const editedAt = Date.now();
    await Promise.all([
      edit("main.go", (text) => text.replace('"v3"', '"v4"')),
      edit("notes/a.txt", () => "a\n"),
      edit("notes/b.txt", () => "b\n"),
    ]);
    await waitForAnswer(url, "v4\n", editedAt, 120_000, async () => watchLog);
    // The calls that joined the queue finish: a build has started since the edit, and every started one has ended.
    const deadline = Date.now() + 120_000;
    let logs = await containerLogs(await container());
    while (!(buildsSince(logs) > 0 && buildsRunning(logs) === 0) && Date.now() < deadline) {
      await sleep(200);
      logs = await containerLogs(await container());
    }
    const done = (logs.match(/\[tilt-live\] rebuild #\d+ (succeeded|failed)/g) ?? []).slice(doneBefore);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.filter((line) => line.endsWith("failed"))).toEqual([]);
    const coalesced = logs.match(/rebuild #\d+ started for \d+ requests/g) ?? [];
    expect(watchLog).not.toMatch(/exit code [1-9]|Error response from daemon/);
    console.log(
      `[compose-watch] one save of 3 files: ${done.length} build(s) for the parallel exec calls (${coalesced.join("; ") || "none coalesced"})`,
    );
  });

  it("a compile error fails the rebuild and the old app keeps serving; the fix is served", async () => {
    const doneBefore = await rebuildsDone();
    await edit("main.go", (text) => text.replace('const message = "v4"', "const message = v5 +"));
    const deadline = Date.now() + 120_000;
    while ((await rebuildsDone()) === doneBefore && Date.now() < deadline) await sleep(200);
    expect(await containerLogs(await container())).toMatch(/\[tilt-live\] rebuild #\d+ failed/);
    expect(await getText(url)).toBe("v4\n");
    const fixedAt = await edit("main.go", (text) => text.replace("const message = v5 +", 'const message = "v5"'));
    console.log(
      `[compose-watch] fix after a compile error → new response: ${seconds(await waitForAnswer(url, "v5\n", fixedAt, 120_000, async () => watchLog))} s`,
    );
  });
});
