import { EventEmitter } from "node:events";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { Agent, get } from "node:http";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../testing/free-port.js";
import { tempDir } from "../../testing/temp-dir.js";
import { waitFor } from "../../testing/wait-for.js";
import { sendControl } from "./control.js";
import { applyEnvMods } from "./env-mods.js";
import { computeLaunchEnv } from "./launch-env.js";
import { runSupervisor, type SupervisorOptions } from "./supervisor.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A small HTTP app on $PORT: answers with its pid, GREETING and the content of ./version; writes its port to
 * PORT_FILE once it listens. With a file ./crash it prints the file and exits 7 instead.
 */
const SERVER = `
const http = require("http"), fs = require("fs");
const server = http.createServer((req, res) => res.end(JSON.stringify({
  pid: process.pid, greeting: process.env.GREETING ?? null, version: fs.readFileSync("version", "utf8") })));
if (fs.existsSync("crash")) { console.error("boom: " + fs.readFileSync("crash", "utf8")); process.exit(7); }
server.listen(Number(process.env.PORT), "127.0.0.1", () => fs.writeFileSync(process.env.PORT_FILE, String(server.address().port)));
process.on("SIGTERM", () => { fs.writeFileSync(process.env.PORT_FILE + ".term", "got SIGTERM"); process.exit(0); });
`;

let root: string;
let layers: string;
let app: string;
let stderr: string[];
let signals: EventEmitter;
let running: Promise<number> | undefined;
let port: number;

async function setUp(processes: object[], contextExtra: object = {}): Promise<void> {
  const meta = join(layers, "tilt-live", "meta");
  await mkdir(meta, { recursive: true });
  await mkdir(join(layers, "tilt-live", "src"), { recursive: true });
  await writeFile(
    join(meta, "context.json"),
    JSON.stringify({
      version: "0.1.0",
      layersRoot: layers,
      appDir: app,
      platformApi: "0.14",
      buildUid: 1000,
      buildGid: 1000,
      watch: false,
      watchDebounceMs: 100,
      watchIgnore: [],
      stopTimeoutSeconds: 1,
      readyTimeoutSeconds: 10,
      ...contextExtra,
    }),
  );
  await writeFile(join(meta, "processes.json"), JSON.stringify(processes));
  await writeFile(join(meta, "group.toml"), '[[group]]\nid = "bp"\nversion = "1"\napi = "0.10"\n');
  await mkdir(join(layers, "bp", "l", "env.launch"), { recursive: true });
  await writeFile(join(layers, "bp", "l.toml"), "[types]\nlaunch = true\n");
  await writeFile(join(layers, "bp", "l", "env.launch", "GREETING.override"), "hello");
}

/** The env the launcher gives the supervisor: the layers' launch env applied to the container's. */
async function startEnv(): Promise<NodeJS.ProcessEnv> {
  const mods = await computeLaunchEnv({ layersRoot: layers, buildpacks: [{ id: "bp", api: "0.10" }], processType: "web" });
  return applyEnvMods({ PATH: process.env.PATH, CNB_LAYERS_DIR: layers, PORT_FILE: join(root, "port"), PORT: String(port) }, mods);
}

async function start(extra: Partial<SupervisorOptions> = {}): Promise<void> {
  const env = await startEnv();
  running = runSupervisor({
    argv: ["web"],
    env,
    layersRoot: layers,
    stderr: {
      write: (t: string) => {
        stderr.push(t);
        return true;
      },
    },
    build: async () => ({ ok: true, exitCode: 0, timings: {} }),
    signals,
    tmpDir: root,
    stdio: ["ignore", "ignore", "inherit"],
    backoff: { initialMs: 200, maxMs: 400, resetAfterMs: 10_000 },
    ...extra,
  });
}

/** Polls `probe` (src/testing/wait-for.ts); a timeout shows the supervisor's log. */
function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  return waitFor(probe, { what, timeoutMs: 8000, intervalMs: 50, context: () => `log:\n${stderr.join("")}` });
}

function fetchApp(): Promise<{ pid: number; greeting: string | null; version: string }> {
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${port}/`, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(JSON.parse(body)));
    }).on("error", reject);
  });
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeEach(async () => {
  root = await tempDir("supervisor-");
  layers = join(root, "layers");
  app = join(root, "workspace");
  await mkdir(app, { recursive: true });
  await writeFile(join(app, "version"), "v1");
  await writeFile(join(app, "server.js"), SERVER);
  stderr = [];
  signals = new EventEmitter();
  port = await freePort();
});
afterEach(async () => {
  if (running) {
    signals.emit("SIGTERM", "SIGTERM");
    await running.catch(() => undefined);
    running = undefined;
  }
  await rm(root, { recursive: true, force: true });
});

const web = { type: "web", command: ["node"], args: ["server.js"], default: true, buildpackId: "bp" };

describe("runSupervisor", () => {
  it("runs a shell (non-direct) process, such as a Procfile line, with its args as positional parameters", async () => {
    // Buildpack API < 0.9 processes are command lines; the args follow as "$@".
    await setUp([{ ...web, command: ["cd . && exec node"], args: ["server.js"], direct: false }]);
    await start();
    expect(await until(fetchApp, "the app to answer")).toMatchObject({ greeting: "hello", version: "v1" });
  });

  it("restarts the app with the new code and refreshed launch env after a good build; keeps it after a failed one", async () => {
    await setUp([web]);
    let ok = true;
    await start({
      build: async (onOutput) => {
        onOutput("building\n");
        if (!ok) return { ok: false, exitCode: 1, timings: { build: 5 } };
        await writeFile(join(app, "version"), "v2");
        await writeFile(join(layers, "bp", "l", "env.launch", "GREETING.override"), "bonjour");
        return { ok: true, exitCode: 0, timings: { build: 5 } };
      },
    });
    const first = await until(fetchApp, "the app to answer");
    expect(first).toMatchObject({ greeting: "hello", version: "v1" });
    const socket = join(root, "tilt-live", "control.sock");

    ok = false;
    const logs: string[] = [];
    const failed = await sendControl(socket, { op: "rebuild", restart: true }, (m) => m.type === "log" && logs.push(m.text));
    expect(failed).toMatchObject({ type: "result", ok: false, exitCode: 1 });
    expect(logs).toEqual(["building\n"]);
    // The requester got the output; the container log has the summary, not a second copy.
    expect(stderr.join("")).toMatch(/\[tilt-live\] rebuild #1 failed with exit 1 in [\d.]+s; the app was left as it was \(pid \d+\)/);
    expect(stderr.join("")).not.toContain("building\n");
    expect((await fetchApp()).pid).toBe(first.pid);

    ok = true;
    await rm(join(root, "port"));
    const good = await sendControl(socket, { op: "rebuild", restart: true });
    expect(good).toMatchObject({ type: "result", ok: true });
    // Updated means serving: the rebuild returned once the new app listened on the old one's port.
    expect(good.type === "result" && typeof good.timings.ready).toBe("number");
    const second = await fetchApp();
    expect(second).toMatchObject({ greeting: "bonjour", version: "v2" });
    expect(second.pid).not.toBe(first.pid);
    expect(pidAlive(first.pid)).toBe(false);
    expect(await readFile(join(root, "port.term"), "utf8")).toBe("got SIGTERM");
    expect(stderr.join("")).toMatch(
      new RegExp(
        `\\[tilt-live\\] rebuild #2 succeeded in [\\d.]+s; app restarted in [\\d.]+s \\(old app: pid \\d+ exited with status \\d+ in [\\d.]+s\\); listening on ${port} after [\\d.]+s`,
      ),
    );
    expect(stderr.join("")).toContain("launch env changed: GREETING");
    const status = await sendControl(socket, { op: "status" });
    expect(status).toMatchObject({ appPid: second.pid, appRunning: true, builds: 2 });
    expect((status as { memoryKb: { rss: number; heapUsed: number } }).memoryKb.heapUsed).toBeGreaterThan(0);
  });

  it("reports a failed start after a good build as a failure, with the app's output", async () => {
    await setUp([web]);
    await start({
      stdio: ["ignore", "pipe", "pipe"],
      build: async () => {
        await writeFile(join(app, "crash"), "no DATABASE_URL");
        return { ok: true, exitCode: 0, timings: { build: 5 } };
      },
    });
    await until(fetchApp, "the app to answer");
    const logs: string[] = [];
    const result = await sendControl(
      join(root, "tilt-live", "control.sock"),
      { op: "rebuild", restart: true },
      (m) => m.type === "log" && logs.push(m.text),
    );
    expect(result).toMatchObject({ type: "result", ok: false, exitCode: 1 });
    const text = logs.join("");
    expect(text).toContain("boom: no DATABASE_URL");
    expect(text).toContain(`ERROR: The app did not start after a good build: it exited with status 7 before it listened on port ${port}`);
  });

  it("forwards SIGTERM to the app's whole group and exits with the app's status", async () => {
    // The app starts a grandchild in its group, and exits 3 on SIGTERM.
    const script = `const cp = require("child_process"), fs = require("fs");
      const g = cp.spawn("sleep", ["60"], { stdio: "ignore" });
      fs.writeFileSync("pids", process.pid + " " + g.pid);
      process.on("SIGTERM", () => setTimeout(() => process.exit(3), 50));
      setInterval(() => {}, 1000);`;
    await setUp([{ ...web, args: ["-e", script] }]);
    await start();
    const [pid, grandchild] = (
      await until(async () => (await readFile(join(app, "pids"), "utf8")) || undefined, "the app to write its pids")
    )
      .split(" ")
      .map(Number);
    signals.emit("SIGTERM", "SIGTERM");
    expect(await running).toBe(3);
    running = undefined;
    expect(pidAlive(pid!)).toBe(false);
    // The group's SIGTERM reached the grandchild too; the kernel ends it asynchronously.
    await until(async () => !pidAlive(grandchild!), `the grandchild ${grandchild} to die of the group's SIGTERM`);
  });

  it("sends SIGKILL to an app that ignores SIGTERM after stopTimeoutSeconds", async () => {
    const script = `process.on("SIGTERM", () => {}); require("fs").writeFileSync("up", "1"); setInterval(() => {}, 1000);`;
    await setUp([{ ...web, args: ["-e", script] }], { stopTimeoutSeconds: 0.5 });
    await start();
    await until(async () => readFile(join(app, "up"), "utf8"), "the app to install its SIGTERM handler");
    const t0 = Date.now();
    signals.emit("SIGTERM", "SIGTERM");
    expect(await running).toBe(137);
    running = undefined;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(stderr.join("")).toContain("sent SIGKILL");
  });

  it("keeps running when the app exits on its own, restarting it with backoff; a rebuild still works", async () => {
    const script = `require("fs").appendFileSync("runs", "x"); process.exit(4);`;
    await setUp([{ ...web, args: ["-e", script] }]);
    let builds = 0;
    const t0 = Date.now();
    await start({
      build: async () => {
        builds += 1;
        return { ok: true, exitCode: 0, timings: {} };
      },
    });
    await until(async () => (await readFile(join(app, "runs"), "utf8")).length >= 3, "3 runs of the app");
    // Not a tight loop: 3 runs take the two backoff delays (0.2 s + 0.4 s), and 1 s more adds at most 3 runs.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    const runsSoFar = (await readFile(join(app, "runs"), "utf8")).length;
    await sleep(1000); // not a wait for an event: the window in which the restarts are counted
    expect((await readFile(join(app, "runs"), "utf8")).length - runsSoFar).toBeLessThanOrEqual(3);
    const log = stderr.join("");
    expect(log).toContain("app exited with status 4");
    expect(log).toMatch(/starting it again in 0\.2s/);
    expect(log).toMatch(/starting it again in 0\.4s/);
    const result = await sendControl(join(root, "tilt-live", "control.sock"), { op: "rebuild", restart: true });
    expect(result).toMatchObject({ ok: true });
    expect(builds).toBe(1);
  });

  it("rebuilds when the watched source changes (TILT_LIVE_WATCH=true)", async () => {
    await setUp([web]);
    let builds = 0;
    const mods = await computeLaunchEnv({ layersRoot: layers, buildpacks: [{ id: "bp", api: "0.10" }], processType: "web" });
    await start({
      env: applyEnvMods(
        {
          PATH: process.env.PATH,
          CNB_LAYERS_DIR: layers,
          PORT_FILE: join(root, "port"),
          PORT: String(port),
          TILT_LIVE_WATCH: "true",
          TILT_LIVE_WATCH_DEBOUNCE_MS: "50",
        },
        mods,
      ),
      build: async (onOutput) => {
        builds += 1;
        onOutput("compiled by the watcher's build\n");
        return { ok: true, exitCode: 0, timings: {} };
      },
    });
    await until(fetchApp, "the app to answer");
    await until(async () => stderr.join("").includes("watching"), "the watcher to start");
    await writeFile(join(layers, "tilt-live", "src", "main.go"), "package main");
    await until(async () => builds === 1, "the watcher's build");
    expect(stderr.join("")).toContain("changed: main.go; rebuilding");
    // Nobody requested this build: its output goes to the container log.
    expect(stderr.join("")).toContain("compiled by the watcher's build\n");
  });

  it("serves the app through its proxy (TILT_LIVE_PROXY): one client connection outlives the app's restart", async () => {
    await setUp([web]);
    const proxyPort = await freePort();
    await start({ env: { ...(await startEnv()), TILT_LIVE_PROXY: `${proxyPort}:${port}` } });
    await until(fetchApp, "the app to answer");
    expect(stderr.join("")).toContain(
      `[tilt-live] proxy: port ${proxyPort} forwards to the app's ${port}; requests wait up to 10.0s while it restarts\n`,
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const viaProxy = () =>
        new Promise<{ pid: number; reused: boolean }>((resolve, reject) => {
          const req = get({ host: "127.0.0.1", port: proxyPort, path: "/", agent }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ pid: (JSON.parse(body) as { pid: number }).pid, reused: req.reusedSocket }));
          }).on("error", reject);
        });
      const before = await viaProxy();
      const rebuilt = await sendControl(join(root, "tilt-live", "control.sock"), { op: "rebuild", restart: true });
      expect(rebuilt).toMatchObject({ type: "result", ok: true });
      const after = await viaProxy();
      expect(after.pid).not.toBe(before.pid);
      expect(after.reused).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("refuses a malformed TILT_LIVE_PROXY before it starts the app", async () => {
    await setUp([web]);
    await start({ env: { ...(await startEnv()), TILT_LIVE_PROXY: "8080" } });
    await expect(running).rejects.toThrow('TILT_LIVE_PROXY must be LISTEN:APP, got "8080"');
    running = undefined;
    expect(await readFile(join(root, "port"), "utf8").catch(() => "not started")).toBe("not started");
  });

  it("rejects an unknown process type", async () => {
    await setUp([web]);
    await expect(
      runSupervisor({
        argv: ["worker"],
        env: {},
        layersRoot: layers,
        stderr: { write: () => true },
        build: async () => ({ ok: true, exitCode: 0, timings: {} }),
      }),
    ).rejects.toThrow(/no process type "worker" \(known: web\)/);
  });
});
