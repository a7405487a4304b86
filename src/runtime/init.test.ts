/**
 * native/tilt-live-init.c, built with the same command the packaging script uses, run as a subreaper (not
 * PID 1: a test cannot be PID 1, and PR_SET_CHILD_SUBREAPER gives the same reaping duty).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir.js";
import { buildInit, hasGcc } from "../testing/init-binary.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** pid -> [state, ppid] for every process, from /proc/<pid>/stat. */
function processTable(): Map<number, { state: string; ppid: number }> {
  const table = new Map<number, { state: string; ppid: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(entry), { state: state!, ppid: Number(ppid) });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

describe.skipIf(!hasGcc())("tilt-live-init (skipped: gcc is not installed)", () => {
  let dir: string;
  let init: string;
  beforeAll(async () => {
    dir = await tempDir("init-");
    init = join(dir, "tilt-live-init");
    buildInit(init);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function run(args: string[]) {
    const child = spawn(init, args, { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return { child, exited };
  }

  it("adopts and reaps an orphaned grandchild, so no zombie stays under it", async () => {
    // sh starts a subshell that starts `sleep 0.5` and exits at once: the sleep is orphaned.
    const { child, exited } = run(["sh", "-c", "(sleep 0.5 & echo $! > orphan); exec sleep 30"]);
    let orphan = 0;
    for (let i = 0; i < 40 && !orphan; i += 1) {
      await sleep(25);
      orphan = Number((await readFile(join(dir, "orphan"), "utf8").catch(() => "")).trim());
    }
    expect(orphan).toBeGreaterThan(0);
    await sleep(100);
    expect(processTable().get(orphan)?.ppid).toBe(child.pid); // adopted by the subreaper
    await sleep(800); // the orphan has exited by now
    const zombies = [...processTable()].filter(([, p]) => p.ppid === child.pid && p.state === "Z");
    expect(zombies).toEqual([]);
    expect(existsSync(`/proc/${orphan}`)).toBe(false);
    child.kill("SIGTERM");
    expect(await exited).toBe(128 + 15); // the main child died of the forwarded SIGTERM
  });

  it("forwards SIGTERM to the main child and exits with its status", async () => {
    const script = `process.on("SIGTERM", () => { require("fs").writeFileSync("term", "yes"); process.exit(42); });
      require("fs").writeFileSync("ready", "1"); setInterval(() => {}, 1000);`;
    const { child, exited } = run([process.execPath, "-e", script]);
    for (let i = 0; i < 100 && !existsSync(join(dir, "ready")); i += 1) await sleep(25);
    child.kill("SIGTERM");
    expect(await exited).toBe(42);
    expect(await readFile(join(dir, "term"), "utf8")).toBe("yes");
  });

  it("propagates the exit status, 127 for a missing command and 2 without one", async () => {
    expect(await run(["sh", "-c", "exit 7"]).exited).toBe(7);
    expect(await run(["sh", "-c", "kill -USR1 $$"]).exited).toBe(128 + 10);
    expect(await run(["/nonexistent/command"]).exited).toBe(127);
    expect(await run([]).exited).toBe(2);
  });
});
