/**
 * Case 10 of the Reliability table: an app that forks children (one ignores SIGTERM, one is orphaned by a
 * double fork) is restarted 20 times by the AppController the supervisor uses, with native/tilt-live-init
 * in front, as in the image. Every process of each old run ends, and no zombie stays behind.
 * Real processes: init is built with gcc, the controller runs in a Node child bundled by esbuild.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../testing/temp-dir.js";
import { buildInit } from "../../testing/init-binary.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  pid: number;
  state: string;
  ppid: number;
  pgid: number;
  comm: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(entry), state: state!, ppid: Number(ppid), pgid: Number(pgid), comm });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every process below `root` (by parent links), root excluded. */
function descendants(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = all.filter((p) => frontier.includes(p.ppid));
    found.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return found;
}

// The app: a direct child, a double-forked orphan, and a child that ignores SIGTERM; the shell waits.
const APP = `sleep 1000 & (sleep 1001 &) ; (trap '' TERM; exec sleep 1002) & echo $$ >> runs; wait`;

// The driver replaces each run once it has started its children and written its pid (a fixed delay would
// replace a run that a loaded machine has not even started yet).
const DRIVER = `
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { AppController } from "./app-controller.js";
const log = { info: (t) => process.stderr.write("[driver] " + t + "\\n"), raw() {}, seconds: (ms) => (ms / 1000).toFixed(1) + "s" };
const app = new AppController({ log, stopTimeoutMs: 2000, stdio: ["ignore", "ignore", "inherit"] });
const spec = { command: ["sh", "-c", process.env.APP], args: [], cwd: process.cwd(), env: { PATH: process.env.PATH } };
process.on("SIGTERM", async () => { await app.shutdown("SIGTERM"); process.exit(0); });
const runsLogged = () => (existsSync("runs") ? readFileSync("runs", "utf8").trim().split("\\n").length : 0);
const untilRunsLogged = async (n) => {
  while (runsLogged() < n) await new Promise((r) => setTimeout(r, 20));
};
app.start(spec);
for (let i = 0; i < 20; i++) {
  await untilRunsLogged(i + 1);
  await app.replace(spec);
}
await untilRunsLogged(21);
writeFileSync("done", String(app.current.pid));
setInterval(() => {}, 1000);
`;

describe("20 restarts of a forking app under tilt-live-init", () => {
  let dir: string;
  let init: string;
  let driver: string;
  beforeAll(async () => {
    dir = await tempDir("reaping-");
    init = join(dir, "tilt-live-init");
    buildInit(init);
    driver = join(dir, "driver.mjs");
    await build({
      stdin: { contents: DRIVER, resolveDir: import.meta.dirname, loader: "ts", sourcefile: "driver.ts" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: driver,
      logLevel: "silent",
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("ends every process of each old run (SIGKILL for the one ignoring SIGTERM) and leaves no zombie", async () => {
    const child = spawn(init, [process.execPath, driver], {
      cwd: dir,
      env: { ...process.env, APP },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const seen = new Set<number>();
    try {
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(dir, "done")) && Date.now() < deadline) await sleep(50);
      const current = Number(await readFile(join(dir, "done"), "utf8"));
      expect((await readFile(join(dir, "runs"), "utf8")).trim().split("\n")).toHaveLength(21);

      // Reaping is asynchronous, and the last run's subshell may not have exec'd its sleep yet: wait (up to 10 s,
      // for a loaded machine) until the tree settles into the expected shape, then assert on what is there.
      const settled = (procs: Proc[]) =>
        !procs.some((p) => p.state === "Z" || (p.comm === "sleep" && p.pgid !== current)) &&
        procs.filter((p) => p.comm === "sleep").length === 3;
      let below = descendants(child.pid!);
      for (let i = 0; i < 200 && !settled(below); i++) {
        await sleep(50);
        below = descendants(child.pid!);
      }
      expect(below.filter((p) => p.state === "Z")).toEqual([]);
      const sleeps = below.filter((p) => p.comm === "sleep");
      // Only the current run's three children are alive, all in its process group; the orphan was adopted by init.
      expect(sleeps.map((p) => p.pgid)).toEqual([current, current, current]);
      expect(sleeps.filter((p) => p.ppid === child.pid)).toHaveLength(1);
    } finally {
      for (const p of descendants(child.pid!)) if (p.comm === "sleep") seen.add(p.pid);
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    const alive = () => processes().filter((p) => seen.has(p.pid) && p.comm === "sleep");
    for (let i = 0; i < 100 && alive().length > 0; i++) await sleep(50); // the kernel ends them asynchronously
    const survivors = alive();
    for (const p of survivors) process.kill(p.pid, "SIGKILL"); // a failed run must not leak its sleeps
    expect(survivors).toEqual([]);
  }, 90_000);
});
