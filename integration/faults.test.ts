// Faults and bad input on the real platform (issue 6): one dev image of the Go sample, several containers
// from it. Each test names the case of the README's "Reliability" table it proves. Case 1 (a compile error
// keeps the old app) is in go-live.test.ts; case 13 (BP_TILT_LIVE_ENABLED=false) in faults-disabled.test.ts.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  containerLogs,
  dockerExec,
  dockerExecStreaming,
  ensurePlatform,
  packBuild,
  randomName,
  Resources,
  runContainer,
  waitForHttp,
  type CommandResult,
  type Platform,
  type RunningContainer,
} from "./harness/index.js";
import { failFast } from "./harness/suite.js";
import { copySample, deleteSyncedFile, liveBuildArgs, REBUILD, SYNC_TARGET, syncFile, waitForBody } from "./harness/live.js";

/** A build-time value with quotes, shell metacharacters and unicode (pack's --env cannot carry a newline). */
const ODD_VALUE = `say "hi" & it's $HOME \`x\` ünïcødé ✓ 🚀`;
const SECRET = "hunter2-do-not-record";

const setMessage = (version: string) => (text: string) => text.replace(/const message = "[^"]*"/, `const message = "${version}"`);

async function sh(container: string, script: string): Promise<CommandResult> {
  return dockerExec(container, ["sh", "-c", script]);
}

/** The supervisor's "rebuild #N started" lines so far. */
async function buildsStarted(container: string): Promise<number> {
  return (await containerLogs(container)).match(/\[tilt-live\] rebuild #\d+ started/g)?.length ?? 0;
}

async function countInLogs(container: string, text: string): Promise<number> {
  return (await containerLogs(container)).split(text).length - 1;
}

/** The container's current 127.0.0.1 mapping (a restarted container gets a new host port). */
async function remap(container: RunningContainer): Promise<RunningContainer> {
  const { stdout } = await execa("docker", ["port", container.name, "8080/tcp"]);
  const port = Number(/^127\.0\.0\.1:(\d+)$/m.exec(stdout)?.[1]);
  return { name: container.name, hostPort: port, url: `http://127.0.0.1:${port}` };
}

describe("faults and bad input on the Go sample", () => {
  const resources = new Resources();
  let platform: Platform;
  let image: string;
  let app: string;

  beforeAll(async () => {
    platform = await ensurePlatform();
    app = await copySample("samples/go");
    image = randomName("faults");
    const started = Date.now();
    await packBuild(platform, resources, {
      image,
      path: app,
      args: [
        ...liveBuildArgs(platform),
        "--env",
        "BP_TILT_LIVE_ENV_EXCLUDE=SECRET_TOKEN",
        "--env",
        `SECRET_TOKEN=${SECRET}`,
        "--env",
        `TILT_LIVE_ODD=${ODD_VALUE}`,
      ],
    });
    console.log(`[faults] pack build took ${((Date.now() - started) / 1000).toFixed(1)}s`);
  });

  afterAll(async () => {
    await resources.cleanup();
  });

  describe.sequential("one container, in order", () => {
    failFast();
    let c: RunningContainer;
    let appDirMode: string;
    beforeAll(async () => {
      c = await runContainer(resources, { image, containerPort: 8080, env: { TILT_LIVE_WATCH: "false" } });
      expect(await waitForHttp(c)).toBe("v1\n");
      // The app dir itself is the platform's (pack exports it 0777); the rebuilds must leave its mode alone.
      appDirMode = (await dockerExec(c.name, ["stat", "-c", "%a %U", "/workspace"])).stdout.trim();
    });

    it("case 2: ten concurrent rebuilds coalesce into at most 3 builds and the app serves the last synced source", async () => {
      await syncFile(c.name, app, "main.go", setMessage("v2"));
      const before = await buildsStarted(c.name);
      const first = Array.from({ length: 5 }, () => dockerExecStreaming(c.name, [REBUILD]));
      // Once the first build is past its mirror step, a newer source lands: the queued build must take it.
      // (The build's output goes to its requesters, not to the container log.)
      await Promise.any(first.map((r) => r.waitFor("  Mirrored the source")));
      await syncFile(c.name, app, "main.go", setMessage("v3"));
      const second = Array.from({ length: 5 }, () => dockerExec(c.name, [REBUILD]));
      const results = await Promise.all([...first.map((r) => r.done), ...second]);
      for (const r of results) expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(await waitForHttp(c)).toBe("v3\n");
      const builds = (await buildsStarted(c.name)) - before;
      console.log(`[faults] 10 concurrent rebuilds ran ${builds} build(s)`);
      expect(builds).toBeGreaterThanOrEqual(2);
      expect(builds).toBeLessThanOrEqual(3);
      expect(await containerLogs(c.name)).toMatch(/rebuild #\d+ started for [4-9] requests/);
      // Nothing half-written: no renamed-away layer is left, and the binary is the one the app runs.
      const left = await sh(c.name, "ls -d /layers/*/*.ignore 2>/dev/null; ls /layers/paketo-buildpacks_go-build");
      expect(left.stdout).not.toContain(".ignore");
      expect(left.stdout).toContain("targets");
    });

    it("case 7: tampered group.toml or layer .toml in the running container: named, non-zero exit, the app untouched", async () => {
      const pidBefore = await countInLogs(c.name, "[tilt-live] started ");
      for (const [file, garbage] of [
        ["/layers/tilt-live/meta/group.toml", "[[group]\nid = "],
        ["/layers/tilt-live/meta/plan.toml", "entries = ["],
        ["/layers/tilt-live/meta/buildpacks/paketo-buildpacks_go-build/layers/targets.toml", "launch = "],
      ] as const) {
        expect((await sh(c.name, `cp '${file}' /tmp/saved.toml && printf '%s' '${garbage}' > '${file}'`)).exitCode).toBe(0);
        const r = await dockerExec(c.name, [REBUILD]);
        expect(r.exitCode, file).not.toBe(0);
        expect(r.stdout).toContain(`ERROR: ${file} is not valid TOML`);
        expect(await waitForHttp(c)).toBe("v3\n");
        expect((await sh(c.name, `cp /tmp/saved.toml '${file}'`)).exitCode).toBe(0);
      }
      expect(await countInLogs(c.name, "[tilt-live] started ")).toBe(pidBefore); // never restarted
      await syncFile(c.name, app, "main.go", setMessage("v4"));
      const fixed = await dockerExec(c.name, [REBUILD]);
      expect(fixed.exitCode, fixed.stdout).toBe(0);
      expect(await waitForHttp(c)).toBe("v4\n");
    });

    it("case 8 and 14: the build-time env is recorded and restored exactly, minus BP_TILT_LIVE_ENV_EXCLUDE", async () => {
      const recorded = await dockerExec(c.name, ["cat", "/layers/tilt-live/meta/platform-env/TILT_LIVE_ODD"]);
      expect(recorded.stdout).toBe(ODD_VALUE);
      // The platform dir of the last rebuild is what the lifecycle gave the buildpacks.
      const restored = await dockerExec(c.name, ["cat", "/tmp/tilt-live/platform/env/TILT_LIVE_ODD"]);
      expect(restored.stdout).toBe(ODD_VALUE);
      const names = await dockerExec(c.name, ["ls", "/layers/tilt-live/meta/platform-env", "/tmp/tilt-live/platform/env"]);
      expect(names.stdout).toContain("TILT_LIVE_ODD");
      expect(names.stdout).not.toContain("SECRET_TOKEN");
      const leaked = await sh(c.name, `grep -rl '${SECRET}' /layers /workspace /tmp/tilt-live 2>/dev/null; true`);
      expect(leaked.stdout.trim()).toBe("");
    });

    it("case 14: tools run as the container user, nothing tilt-live adds is setuid or world-writable, no port but the app's, owner-only socket", async () => {
      const uids = await sh(c.name, "awk '/^Uid:/ { print FILENAME, $2 }' /proc/[0-9]*/status");
      const byProcess = uids.stdout
        .trim()
        .split("\n")
        .map((line) => line.split(" "));
      expect(byProcess.length).toBeGreaterThanOrEqual(3); // init, supervisor, app (and awk, sh)
      for (const [file, uid] of byProcess) expect(uid, file).toBe("1000");
      // Everything in the layers (tilt-live's and those the rebuilds wrote) and in the app dir (which go-build
      // empties again after each build, as at image build).
      const loose = await sh(c.name, "find /layers /workspace -mindepth 1 -xdev ! -type l -perm /6002");
      expect(loose.stdout.trim()).toBe("");
      const modes = await dockerExec(c.name, [
        "stat",
        "-c",
        "%n %a %U",
        SYNC_TARGET,
        "/workspace",
        "/tmp/tilt-live",
        "/tmp/tilt-live/control.sock",
      ]);
      expect(modes.stdout.trim().split("\n")).toEqual([
        `${SYNC_TARGET} 775 cnb`,
        `/workspace ${appDirMode}`,
        "/tmp/tilt-live 700 cnb",
        "/tmp/tilt-live/control.sock 600 cnb",
      ]);
      const tcp = await sh(c.name, "cat /proc/net/tcp /proc/net/tcp6");
      const listening = tcp.stdout
        .split("\n")
        .map((line) => line.trim().split(/\s+/))
        .filter((f) => f[3] === "0A")
        .map((f) => Number.parseInt(f[1]!.split(":")[1]!, 16));
      expect([...new Set(listening)]).toEqual([8080]);
    });

    it("case 3: SIGKILL in the middle of a rebuild; after docker start the last good app runs and the next rebuild succeeds", async () => {
      await syncFile(c.name, app, "main.go", setMessage("v5"));
      const pending = dockerExecStreaming(c.name, [REBUILD]);
      await pending.waitFor("Running 'go build");
      await execa("docker", ["kill", c.name]);
      expect((await pending.done).exitCode).not.toBe(0);
      const leftovers = await execa("docker", ["cp", `${c.name}:/layers/paketo-buildpacks_go-build`, "-"], { encoding: "buffer" }).pipe(
        "tar",
        ["-t"],
      );
      console.log(`[faults] go-build's layers dir after the kill:\n${leftovers.stdout}`);
      await execa("docker", ["start", c.name]);
      c = await remap(c);
      const body = await waitForHttp(c);
      console.log(`[faults] after docker start the app answers ${JSON.stringify(body)}`);
      expect(["v4\n", "v5\n"]).toContain(body);
      await syncFile(c.name, app, "main.go", setMessage("v6"));
      const next = await dockerExec(c.name, [REBUILD]);
      expect(next.exitCode, next.stdout + next.stderr).toBe(0);
      expect(await waitForHttp(c)).toBe("v6\n");
    });
  });

  it("case 4: a full disk during the mirror is reported as such, the app keeps serving, and the next rebuild recovers", async () => {
    const c = await runContainer(resources, {
      image,
      containerPort: 8080,
      env: { TILT_LIVE_WATCH: "false" },
      args: ["--mount", "type=tmpfs,destination=/workspace,tmpfs-size=1m"],
    });
    expect(await waitForHttp(c)).toBe("v1\n");
    await writeFile(path.join(app, "blob.bin"), Buffer.alloc(3 * 1024 * 1024, 7));
    await syncFile(c.name, app, "blob.bin", (text) => text);
    await syncFile(c.name, app, "main.go", setMessage("v7"));
    const full = await dockerExec(c.name, [REBUILD]);
    expect(full.exitCode).not.toBe(0);
    // Files are mirrored concurrently: whichever write finds the disk full is the one named.
    expect(full.stdout).toMatch(/^ERROR: No space left on the device while writing \/workspace\/\S+$/m);
    expect(full.stdout).toContain("the running app was not touched");
    expect(await waitForHttp(c)).toBe("v1\n");
    await deleteSyncedFile(c.name, app, "blob.bin");
    const recovered = await dockerExec(c.name, [REBUILD]);
    expect(recovered.exitCode, recovered.stdout).toBe(0);
    expect(await waitForHttp(c)).toBe("v7\n");
  });

  it("case 11: non-root user, read-only root filesystem, named volumes for /layers and /workspace, tmpfs /tmp: rebuild works", async () => {
    const layers = resources.volume(randomName("vol-layers"));
    const workspace = resources.volume(randomName("vol-workspace"));
    await execa("docker", ["volume", "create", layers]);
    await execa("docker", ["volume", "create", workspace]);
    const c = await runContainer(resources, {
      image,
      containerPort: 8080,
      env: { TILT_LIVE_WATCH: "false" },
      args: ["--read-only", "--user", "1000:1000", "-v", `${layers}:/layers`, "-v", `${workspace}:/workspace`, "--tmpfs", "/tmp"],
    });
    expect(await waitForHttp(c)).toBe("v1\n");
    expect((await dockerExec(c.name, ["touch", "/home/probe"])).exitCode).not.toBe(0); // really read-only
    await syncFile(c.name, app, "main.go", setMessage("v8"));
    const r = await dockerExec(c.name, [REBUILD]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    await waitForBody(c, "v8\n");
  });

  it("leaves no container, image or volume behind", async () => {
    await resources.cleanup();
    await resources.assertNoLeaks();
  });
});
