/**
 * native/tilt-live-init.c, built with the same command the packaging script uses, run as a subreaper (not
 * PID 1: a test cannot be PID 1, and PR_SET_CHILD_SUBREAPER gives the same reaping duty).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../testing/temp-dir.js";
import { buildInit } from "../../testing/init-binary.js";
import { waitFor } from "../../testing/wait-for.js";

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

describe("tilt-live-init", () => {
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
    const orphan = await waitFor(async () => Number((await readFile(join(dir, "orphan"), "utf8")).trim()) || undefined, {
      what: "the subshell to write the orphan's pid",
    });
    // Adopted by the subreaper once the subshell has exited (the kernel reparents it then).
    await waitFor(() => processTable().get(orphan)?.ppid === child.pid, {
      what: `the orphan ${orphan} to be adopted by the init (pid ${child.pid})`,
      context: () => `orphan: ${JSON.stringify(processTable().get(orphan))}`,
    });
    // Its 0.5 s are up and the init has reaped it: a zombie would keep its /proc entry.
    await waitFor(() => !existsSync(`/proc/${orphan}`), {
      what: `the orphan ${orphan} to exit and be reaped`,
      context: () => `orphan: ${JSON.stringify(processTable().get(orphan))}`,
    });
    const zombies = [...processTable()].filter(([, p]) => p.ppid === child.pid && p.state === "Z");
    expect(zombies).toEqual([]);
    child.kill("SIGTERM");
    expect(await exited).toBe(128 + 15); // the main child died of the forwarded SIGTERM
  });

  it("forwards SIGTERM to the main child and exits with its status", async () => {
    const script = `process.on("SIGTERM", () => { require("fs").writeFileSync("term", "yes"); process.exit(42); });
      require("fs").writeFileSync("ready", "1"); setInterval(() => {}, 1000);`;
    const { child, exited } = run([process.execPath, "-e", script]);
    await waitFor(() => existsSync(join(dir, "ready")), { what: "the app to install its SIGTERM handler" });
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
